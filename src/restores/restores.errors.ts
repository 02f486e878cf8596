import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../core/http/domain-error.js';

export class RestoreNotFoundError extends NotFoundError {
  constructor() {
    super('Restore not found');
  }
}

export class BackupNotRestorableError extends ConflictError {
  constructor(status: string) {
    super(`Backup has no complete file to restore (status: ${status})`);
  }
}

export class ConfirmationRequiredError extends BadRequestError {
  constructor() {
    super('Restoring into the source database replaces its contents: send "confirm": true');
  }
}

export class EngineMismatchError extends UnprocessableError {
  constructor(from: string, to: string) {
    super(`Cannot restore a ${from} backup into a ${to} database`);
  }
}

export class RestoreInProgressError extends ConflictError {
  constructor() {
    super('A restore into this database is already queued or running');
  }
}

export class NoAsideDatabaseError extends ConflictError {
  constructor(asideDatabase: string | null) {
    super(asideDatabase ? `The database ${asideDatabase} set aside by this restore was already dropped` : 'This restore set no database aside');
  }
}

export class RestoreAlreadyFinishedError extends ConflictError {
  constructor(status: string) {
    super(`The restore has already finished (status: ${status}); there is nothing to cancel`);
  }
}

export class RestoreSwitchingError extends ConflictError {
  constructor() {
    super('The restore is switching its checked copy in under the target’s name and can no longer be cancelled');
  }
}

export class PartialRestoreUnsupportedError extends UnprocessableError {
  constructor(engine: string) {
    super(`Restoring named tables is not supported for ${engine} backups`);
  }
}

export class UnknownTablesError extends UnprocessableError {
  constructor(names: string[]) {
    super(`The backup holds no table named ${names.join(', ')}`);
  }
}

export class TablesAlreadyExistError extends ConflictError {
  constructor(database: string, names: string[]) {
    super(`Database "${database}" already has ${names.join(', ')}: drop or rename it, or restore into another database`);
  }
}

export class BackupWithoutManifestError extends UnprocessableError {
  constructor() {
    super('This backup has no manifest (it was taken before manifests were recorded): its tables cannot be restored on their own');
  }
}

/**
 * The restore's 404 says that the *target* was not found: the database named by targetDatabaseId (its id repeated
 * when it is one), or by default the backup's own source, whose registration is gone.
 */
export class TargetDatabaseNotFoundError extends NotFoundError {
  constructor(targetDatabaseId: string | null, named: boolean) {
    super(
      !named
        ? `Target database not found: the backup's source database (ID ${targetDatabaseId}) is no longer registered; name another one in targetDatabaseId`
        : targetDatabaseId
          ? `Target database not found: no registered database has ID ${targetDatabaseId}`
          : 'Target database not found: targetDatabaseId is not the ID of a registered database',
    );
  }
}

export class SourceDatabaseNotFoundError extends NotFoundError {
  constructor() {
    super("Source database not found: the backup's source database is no longer recorded");
  }
}

export class UnknownSchemasError extends UnprocessableError {
  constructor(names: string[]) {
    super(`The backup holds no schema named ${names.join(', ')}`);
  }
}

export class SchemasAlreadyExistError extends ConflictError {
  constructor(database: string, names: string[]) {
    super(`Database "${database}" already has schema ${names.join(', ')}: drop or rename it, or restore into another database`);
  }
}

export class SchemasUnsupportedError extends UnprocessableError {
  constructor(engine: string) {
    super(`Restoring whole schemas is not supported for ${engine} backups: a ${engine} backup holds one database; name its tables in "tables"`);
  }
}
