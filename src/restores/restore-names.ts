/**
 * Names of the databases a restore makes, from server-side values only: the restore's id and the instant it was
 * requested (base 36), so that two installations of the service sharing a database server cannot collide.
 * Engines drop only databases named so (see dropServiceDatabase); each fits PostgreSQL's 63-byte and MySQL's
 * 64-character limits.
 */
export const FRESH_DATABASE_PREFIX = 'dbbackup_restore_';
export const ASIDE_DATABASE_PREFIX = 'dbbackup_aside_';

export interface RestoreIdentity {
  id: string;
  requestedAt: Date;
}

function suffix({ id, requestedAt }: RestoreIdentity): string {
  return `${id}_${requestedAt.getTime().toString(36)}`;
}

/** The empty database one attempt of a restore restores into, before it is checked and switched in. */
export function freshDatabaseName(restore: RestoreIdentity, attempt: number): string {
  return `${FRESH_DATABASE_PREFIX}${suffix(restore)}_${attempt}`;
}

/** Where the target's previous content goes when a restore switches its copy in. */
export function asideDatabaseName(restore: RestoreIdentity): string {
  return `${ASIDE_DATABASE_PREFIX}${suffix(restore)}`;
}
