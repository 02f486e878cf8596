import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyHttpOptions, FastifyReply, FastifyRequest } from 'fastify';
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { installJsonBodyParser } from './json-body-parser.js';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER } from './request-id.js';

export const SHUTTING_DOWN = 'Service unavailable: shutting down; try another instance or again shortly';

/** What the router answers itself (malformed URL, over-long path parameter), in the service's words. */
const FRAMEWORK_ERRORS: Record<string, { status: number; error: string }> = {
  FST_ERR_BAD_URL: { status: 400, error: 'Malformed URL' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'URI too long: a path parameter is longer than allowed' },
};

/** Errors Node's HTTP parser reports before there is a request at all (Fastify's defaults name them the same). */
const CLIENT_ERRORS: Record<string, { status: number; error: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'Request timeout' },
  HPE_HEADER_OVERFLOW: { status: 431, error: 'Request headers (or URL) too large' },
};
const MALFORMED_REQUEST = { status: 400, error: 'Malformed HTTP request' };

type ServerOptions = FastifyHttpOptions<Server>;
type AdapterOptions = Omit<ServerOptions, 'return503OnClosing' | 'frameworkErrors' | 'clientErrorHandler' | 'genReqId'>;

/**
 * Nest's Fastify adapter, with every answer that Fastify writes on its own (router errors, HTTP parse errors,
 * the 503 of a closing server) in the service's `{ "error": "..." }` shape, and JSON bodies checked for depth
 * before they are parsed. Those answers never reach Nest's exception filter: Fastify writes them before any
 * Nest code runs.
 */
export class ApiFastifyAdapter extends FastifyAdapter {
  private shuttingDown = false;

  constructor(options: AdapterOptions) {
    const answeredInOurShape: ServerOptions = {
      ...options,
      // Our own 503 below replaces Fastify's, which has its own body shape.
      return503OnClosing: false,
      genReqId: (req: IncomingMessage) => acceptOrCreateRequestId(req.headers['x-request-id']),
      frameworkErrors: sendFrameworkError,
      clientErrorHandler: answerClientError,
    };
    super(answeredInOurShape);
    const fastify = this.getInstance();
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      if (!this.shuttingDown) return done();
      // As Fastify's own: the client should not reuse a connection to a server on its way out.
      void reply.code(503).header('Connection', 'close').send({ error: SHUTTING_DOWN });
    });
    installJsonBodyParser(fastify);
  }

  /** Called by Nest first thing on app.close() (SIGTERM): from then on, new requests get 503. */
  override beforeClose(): void {
    this.shuttingDown = true;
    super.beforeClose();
  }
}

/** The router's refusals come here before any hook runs (no request log line: pino-http never sees them). */
function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, error: message } = FRAMEWORK_ERRORS[error.code] ?? { status: 500, error: 'Internal server error' };
  void reply.code(status).header(REQUEST_ID_HEADER, request.id).send({ error: message });
}

/** Node's HTTP parser failed (bad request line, headers over the limit, timeout): answer in our shape, then hang up. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, error: message } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED_REQUEST;
  const body = JSON.stringify({ error: message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
