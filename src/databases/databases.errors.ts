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

export class DatabaseRestoreRunningError extends ConflictError {
  constructor() {
    super('A restore into this database is queued or running; delete it once it finishes');
  }
}

export class EngineChangeRefusedError extends ConflictError {
  constructor(engine: string) {
    super(`This database has ${engine} backups, so its engine cannot change; register the other engine as a new database`);
  }
}
