import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from '../database/postgres-errors.js';
import { DomainError } from './domain-error.js';

export interface ErrorBody {
  error: string;
  details?: unknown[];
}

/** Errors raised by Fastify itself (body parsing, size limits, content type) carry a 4xx status code. */
interface FastifyLikeError {
  statusCode: number;
  code?: string;
  message: string;
}

const INTERNAL_ERROR = 'Internal server error';
const SERVICE_UNAVAILABLE = 'Service unavailable';
const DATABASE_UNAVAILABLE = 'Database unavailable; try again shortly';

/** The one place that turns any thrown value into `{ "error": "..." }`. Never leaks stacks or SQL. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.toResponse(exception);
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    } else if (status === HttpStatus.SERVICE_UNAVAILABLE && isDatabaseUnavailable(exception)) {
      this.logger.warn(`PostgreSQL unavailable: ${(exception as Error).message}`);
    }
    void reply.status(status).send(body);
  }

  toResponse(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      return { status: exception.status, body: { error: exception.message } };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), body: this.fromHttpException(exception) };
    }
    if (isFastifyError(exception)) {
      return { status: exception.statusCode, body: { error: exception.message } };
    }
    if (isDatabaseUnavailable(exception)) {
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { error: DATABASE_UNAVAILABLE } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: INTERNAL_ERROR } };
  }

  private fromHttpException(exception: HttpException): ErrorBody {
    const status = exception.getStatus();
    // A 5xx message may carry internals: only the generic text reaches the client.
    if (status >= 500) return { error: status === 503 ? SERVICE_UNAVAILABLE : INTERNAL_ERROR };
    const response = exception.getResponse();
    if (typeof response === 'string') return { error: response };
    const { error, message, details } = response as { error?: string; message?: unknown; details?: unknown[] };
    const text = typeof message === 'string' ? message : typeof error === 'string' ? error : exception.message;
    return details ? { error: text, details } : { error: text };
  }
}

function isFastifyError(value: unknown): value is FastifyLikeError {
  if (!(value instanceof Error)) return false;
  const statusCode = (value as Partial<FastifyLikeError>).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}
