import { ConflictError, NotFoundError, UnprocessableError } from '../core/http/domain-error.js';

export class DatabaseNotFoundError extends NotFoundError {
  constructor() {
    super('Database not found');
  }
}

export class DatabaseNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`A database named "${name}" is already registered`);
  }
}

export class DatabaseBusyError extends ConflictError {
  constructor() {
    super('Database has backups queued or running; delete it once they finish');
  }
}

export class ConnectionTestFailedError extends UnprocessableError {
  constructor(reason: string) {
    super(`Connection test failed: ${reason}`);
  }
}
