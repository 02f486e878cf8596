import { ConflictError, NotFoundError, UnprocessableError } from '../core/http/domain-error.js';

export class StorageTargetNotFoundError extends NotFoundError {
  constructor() {
    super('Storage target not found');
  }
}

export class StorageTargetNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`A storage target named "${name}" already exists`);
  }
}

export class StorageTargetInUseError extends ConflictError {
  constructor() {
    super('Storage target is used by databases or holds backups; move or delete them first');
  }
}

export class StorageTargetUnusableError extends UnprocessableError {
  constructor(reason: string) {
    super(`Storage target check failed: ${reason}`);
  }
}
