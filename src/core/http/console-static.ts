import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` puts the console (web/dist), relative to the compiled API (dist/core/http). */
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Serves the web console's files at / when it is built; otherwise the API runs without it (/ answers 404). Each file
 * gets its own route (no wildcard), so every other path keeps the API's own 404. Vite names assets by their content:
 * they are cached for good, index.html never.
 */
export async function serveConsole(app: NestFastifyApplication, root = CONSOLE_DIR): Promise<boolean> {
  if (!existsSync(path.join(root, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply: FastifyReply, filePath: string) => {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      void reply.header('Cache-Control', immutable ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'no-cache');
    },
  });
  return true;
}
