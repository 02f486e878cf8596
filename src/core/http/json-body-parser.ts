import type { FastifyInstance } from 'fastify';
import { BadRequestError } from './domain-error.js';

/** No request body of this API nests deeper than a few levels; 32 leaves room and keeps recursion shallow. */
export const MAX_JSON_DEPTH = 32;

export class JsonTooDeepError extends BadRequestError {
  /** Fastify reads the status of a body-parser error from here before Nest's filter sees it. */
  readonly statusCode = 400;

  constructor() {
    super(`JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/**
 * True when `text` opens more than `maxDepth` arrays/objects inside one another (brackets inside strings do not
 * count). A plain scan, no recursion: it is what keeps a 5,000-level document away from the recursive parser
 * and from class-transformer, whose stack it would overflow.
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (OPENERS.has(code)) {
      if (++depth > maxDepth) return true;
    } else if (CLOSERS.has(code)) {
      depth--;
    }
  }
  return false;
}

/**
 * Fastify's own JSON parser (with its prototype-poisoning protection), behind a depth check: a body nested
 * deeper than MAX_JSON_DEPTH is refused with 400 before it is parsed.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return done(new JsonTooDeepError(), undefined);
    parse(request, text, done);
  });
}
