import { ConflictError, NotFoundError, UnprocessableError } from '../core/http/domain-error.js';

export class SandboxNotFoundError extends NotFoundError {
  constructor() {
    super('Sandbox not found');
  }
}

export class SandboxNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`A sandbox named "${name}" already exists`);
  }
}

export class SandboxInUseError extends ConflictError {
  constructor() {
    super('A drill on this sandbox is queued or running; try again once it has finished');
  }
}

export class DrillNotFoundError extends NotFoundError {
  constructor() {
    super('Drill not found');
  }
}

export class NoSandboxError extends UnprocessableError {
  constructor(engine: string) {
    super(`No sandbox can restore a ${engine} backup: register one with POST /sandboxes`);
  }
}

export class SandboxEngineMismatchError extends UnprocessableError {
  constructor(from: string, to: string) {
    super(`A ${from} backup cannot be drilled on a ${to} sandbox`);
  }
}

export class NoBackupToDrillError extends ConflictError {
  constructor() {
    super('The database has no successful backup to drill');
  }
}

export class DrillInProgressError extends ConflictError {
  constructor() {
    super('A drill of this database is already queued or running');
  }
}

/** The drill schedule's tick already made its drill (the tick job was delivered again). */
export class TickAlreadyDrilledError extends ConflictError {
  constructor() {
    super('This schedule tick already has its drill');
  }
}

export class DrillAlreadyFinishedError extends ConflictError {
  constructor(status: string) {
    super(`The drill has already finished (status: ${status}); there is nothing to cancel`);
  }
}
