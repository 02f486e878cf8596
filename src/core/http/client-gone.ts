import type { FastifyReply } from 'fastify';
import { DomainError } from './domain-error.js';

/**
 * Why a request's work was stopped: the client closed the connection before the answer was sent. Nobody reads
 * the answer; 499 (as nginx logs it) keeps it apart from the service's own failures.
 */
export class ClientGoneError extends DomainError {
  readonly status = 499;

  constructor() {
    super('The client went away before the answer');
  }
}

/**
 * A signal aborted when the client of `reply` goes away before the response is sent, so that long work done for
 * it (a verify running pg_restore) stops instead of running on for nobody.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableEnded) controller.abort(new ClientGoneError());
  });
  return controller.signal;
}
