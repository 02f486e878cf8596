import { ConflictError, NotFoundError, ServiceUnavailableError } from '../core/http/domain-error.js';

export class BackupNotFoundError extends NotFoundError {
  constructor() {
    super('Backup not found');
  }
}

export class BackupRunningError extends ConflictError {
  constructor() {
    super('Backup is running; it can be deleted once it has finished');
  }
}

export class QueueUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('Backup queue unavailable; nothing was triggered, try again shortly');
  }
}
