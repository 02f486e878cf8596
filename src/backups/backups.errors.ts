import { BadRequestError, ConflictError, DomainError, NotFoundError, ServiceUnavailableError, UnprocessableError } from '../core/http/domain-error.js';

export class BackupNotFoundError extends NotFoundError {
  constructor() {
    super('Backup not found');
  }
}

export class BackupInProgressError extends ConflictError {
  constructor(backupId: string) {
    super(`A backup of this database is already queued or running (backup ${backupId})`);
  }
}

export class BackupRunningError extends ConflictError {
  constructor() {
    super('Backup is running; it can be deleted once it has finished');
  }
}

export class BackupRestoringError extends ConflictError {
  constructor() {
    super('Backup is being restored; it can be deleted once the restore has finished');
  }
}

export class QueueUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('Backup queue unavailable; nothing was triggered, try again shortly');
  }
}

export class BackupFileNotDeletedError extends DomainError {
  readonly status = 502;

  constructor(reason: string) {
    super(`The backup file could not be deleted from storage, so the backup is kept: ${reason}`);
  }
}

export class BackupHasNoFileError extends ConflictError {
  constructor(status: string) {
    super(`Backup has no file (status: ${status})`);
  }
}

export class BackupVerificationFailedError extends UnprocessableError {
  constructor(reason: string) {
    super(`Backup verification failed: ${reason}`);
  }
}

export class BackupFileCorruptError extends ConflictError {
  constructor(reason: string) {
    super(`Backup file failed verification: ${reason}`);
  }
}

/** A retried cron tick whose backup was already recorded: not an error for anyone, the tick is done. */
export class TickAlreadyBackedUpError extends Error {
  constructor() {
    super('This schedule tick already has its backup');
  }
}

export class InvalidCursorError extends BadRequestError {
  constructor() {
    super('Invalid cursor');
  }
}

export class BackupContentsUnreadableError extends UnprocessableError {
  constructor(reason: string) {
    super(`Backup contents could not be read: ${reason}`);
  }
}
