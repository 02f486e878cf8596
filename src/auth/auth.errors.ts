import { DomainError, NotFoundError } from '../core/http/domain-error.js';
import { type ApiScope, MISSING_KEY_MESSAGE, missingScopeMessage } from './scopes.js';

export class UnauthenticatedError extends DomainError {
  readonly status = 401;

  constructor() {
    super(MISSING_KEY_MESSAGE);
  }
}

export class MissingScopeError extends DomainError {
  readonly status = 403;

  constructor(scope: ApiScope) {
    super(missingScopeMessage(scope));
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor() {
    super('API key not found');
  }
}
