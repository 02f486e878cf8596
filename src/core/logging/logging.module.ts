import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import { AppConfig } from '../config/app-config.js';
import { acceptOrCreateRequestId } from '../http/request-id.js';

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.body.password',
  'req.body.secretAccessKey',
  '*.password',
  '*.passwordEncrypted',
  '*.secret',
  '*.secretAccessKey',
  '*.secretEncrypted',
  '*.key',
  '*.keyHash',
  '*.authorization',
];

/**
 * Every route. nestjs-pino's default ('{/*splat}') matches no request under Nest 12's Fastify adapter, so
 * without this there was no request log line at all.
 */
export const LOGGED_ROUTES = [{ path: '{*splat}', method: RequestMethod.ALL }];

export type LogFormat = 'pretty' | 'json';

/**
 * Readable lines for a person at a terminal outside production; JSON for everything else (a pipe, a file, a log
 * collector, a container's stdout, production).
 */
export function logFormat(stdoutIsTty: boolean | undefined, isProduction: boolean): LogFormat {
  return stdoutIsTty === true && !isProduction ? 'pretty' : 'json';
}

/**
 * JSON: asynchronous writes to stdout, so that under a burst of requests a slow reader of the pipe does not stall
 * the event loop on each line (pino flushes what is buffered when the process exits). Pretty: formatted in-process.
 */
export function logDestination(format: LogFormat): DestinationStream {
  if (format === 'json') return pino.destination({ dest: 1, sync: false });
  return pinoPretty({
    destination: 1,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * Structured JSON logs (pretty at a development terminal, see logFormat), with one info line per request
 * ("request completed") carrying its id. The id is Fastify's request id (see ApiFastifyAdapter: the caller's
 * well-formed X-Request-Id, else a UUID), which the response echoes in X-Request-Id; middie hands it to pino-http as
 * `req.id`.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        forRoutes: LOGGED_ROUTES,
        pinoHttp: [
          {
            level: config.logLevel,
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            genReqId: (req: IncomingMessage & { id?: string }) => req.id ?? acceptOrCreateRequestId(req.headers['x-request-id']),
            autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
            // A short line per request: method, URL, status and id (no headers).
            serializers: {
              req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
          logDestination(logFormat(process.stdout.isTTY, config.isProduction)),
        ],
      }),
    }),
  ],
})
export class LoggingModule {}
