import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module.js';
import { ApiFastifyAdapter } from './core/http/api-fastify-adapter.js';
import { serveConsole } from './core/http/console-static.js';
import { setupSwagger } from './core/http/swagger.js';

/** Request bodies are small JSON documents; anything larger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Helmet's defaults, with what Swagger UI at /docs and the web console at / need: their scripts and styles are files
 * served by the API ('self', never inline scripts), Swagger UI's styles set inline style attributes, and its icons
 * are data: URIs.
 */
const SWAGGER_UI_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  // Not upgraded: an API reached over plain http on a private network must still load its own Swagger assets.
  upgradeInsecureRequests: null,
};

export async function createApiApp(): Promise<NestFastifyApplication> {
  const adapter = new ApiFastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  // JSON only (Nest's form parser is off, Fastify's text parser removed): other bodies get 415.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.enableShutdownHooks();
  await app.register(helmet, { contentSecurityPolicy: { directives: SWAGGER_UI_CSP } });
  setupSwagger(app);
  const consoleServed = await serveConsole(app);
  app.get(Logger).log(consoleServed ? 'Web console served at /' : 'Web console not built (web/dist): / answers 404');
  return app;
}
