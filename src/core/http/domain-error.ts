/**
 * Base class of the errors the service raises on purpose. The HTTP layer maps `status` to the response code
 * and `message` to the `{ "error": "..." }` body; anything that is not a DomainError becomes a 500.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
}

export class NotFoundError extends DomainError {
  readonly status = 404;
}

export class ConflictError extends DomainError {
  readonly status = 409;
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
}

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
}
