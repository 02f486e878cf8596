import type { Readable, Writable } from 'node:stream';
import type { EngineName } from './engine-name.js';
import type { BackupCatalog, BackupManifest } from './backup-catalog.js';

/** How to reach a target database. The password lives only in memory and in 0600 files given to the tools. */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
}

export interface ServerInfo {
  /** e.g. "15.19" */
  version: string;
  major: number;
}

/**
 * A dump in progress. `stdout` is the uncompressed dump (compression is applied by the pipeline);
 * read it to the end, then await `completed`, which rejects with TargetDatabaseError on failure.
 */
export interface DumpSession {
  stdout: Readable;
  completed: Promise<void>;
  serverVersion: string;
  toolVersion: string;
  /**
   * What is recorded beside the dump (manifest, database properties, accounts, warnings). Settles after
   * `completed`; rejects if the dump fails or is aborted (the engine releases its connections either way).
   */
  catalog: Promise<BackupCatalog>;
}

/**
 * A restore in progress: write the uncompressed dump to `stdin`, end it, then await `completed`. `stdin` is null when
 * the tool reads a descriptor it was given (see startRestore).
 */
export interface RestoreSession {
  stdin: Writable | null;
  completed: Promise<void>;
  toolVersion: string;
}

/** How a restore treats what the target server lacks or holds. Every option defaults to the faithful choice. */
export interface RestoreOptions {
  /**
   * `preserve` (default): owners and privileges as in the backup. `restoring-user`: every object owned by the
   * restoring account and no grants (PostgreSQL's `--no-owner --no-privileges`; MySQL definers become that account).
   */
  ownership: 'preserve' | 'restoring-user';
  /** PostgreSQL: create the roles the backup needs that the target server lacks, from the backup's globals. */
  createMissingRoles: boolean;
  /** MySQL: views, routines, triggers and events whose DEFINER account is missing get the restoring account. */
  rewriteMissingDefiners: boolean;
  /** End other sessions on the target database when the switch needs it (otherwise the restore fails, naming them). */
  terminateConnections: boolean;
}

export const DEFAULT_RESTORE_OPTIONS: RestoreOptions = {
  ownership: 'preserve',
  createMissingRoles: false,
  rewriteMissingDefiners: false,
  terminateConnections: false,
};

/**
 * One restore: the backup is restored into `freshDatabase`, a new empty database named from server-side ids,
 * checked against the backup's manifest, and only then switched in as `target.database`. The database that held
 * that name before goes aside as `asideDatabase` (kept until removed) so a failure at any point leaves the target
 * as it was.
 */
export interface RestorePlan {
  /** The registered target; `database` is the name the restored copy will have. */
  target: ConnectionTarget;
  freshDatabase: string;
  asideDatabase: string;
  catalog: BackupCatalog;
  options: RestoreOptions;
}

/** What the target server lacks for a backup (roles, definer accounts, packet size): the restore fails before writing. */
export class RestorePreflightError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'RestorePreflightError';
  }
}

/** The switch could not be made (sessions on the target, a rename refused): nothing was changed. */
export class RestoreSwitchError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'RestoreSwitchError';
  }
}

export interface DatabaseEngine {
  readonly name: EngineName;
  /** Extension of the uncompressed dump: "dump" (pg_dump custom format) or "sql". */
  readonly dumpExtension: string;
  serverInfo(target: ConnectionTarget): Promise<ServerInfo>;
  /** With `stdoutFd`, the dump tool writes to that descriptor (see OsPipe) and `stdout` stays empty. */
  startDump(target: ConnectionTarget, signal: AbortSignal, stdoutFd?: number): Promise<DumpSession>;
  /**
   * Checks, before anything is written, that the target server has what the backup needs (roles, definer accounts,
   * packet size); throws RestorePreflightError naming what lacks, or creates it where `plan.options` allow.
   */
  preflight(plan: RestorePlan): Promise<void>;
  /** Creates `plan.freshDatabase`, empty, with the backup's database properties (encoding, collation, comment, ACL, settings). */
  createFreshDatabase(plan: RestorePlan): Promise<void>;
  /** Whether startRestore can take `stdinFd`: the tool then reads the dump from a kernel pipe, without this process. */
  readonly restoresFromDescriptor: boolean;
  /** Starts the restore tool into `plan.freshDatabase`, reading its stdin from `stdinFd` when given. */
  startRestore(plan: RestorePlan, signal: AbortSignal, stdinFd?: number): Promise<RestoreSession>;
  /** Counts `plan.freshDatabase` the way the backup's manifest counted its source. */
  measure(plan: RestorePlan): Promise<BackupManifest>;
  /**
   * Puts `plan.freshDatabase` in the place of `plan.target.database`, all or nothing; the database that had that
   * name (if any) becomes `plan.asideDatabase`. Throws RestoreSwitchError, changing nothing, when it cannot.
   */
  switchIn(plan: RestorePlan): Promise<{ setAside: boolean }>;
  /** Drops a database this service made (a fresh or an aside one); does nothing if it does not exist. */
  dropServiceDatabase(target: ConnectionTarget, name: string): Promise<void>;
  /** Reads an uncompressed dump to its end and throws if it is not a complete, readable archive. */
  validateArchive(dump: Readable, signal: AbortSignal): Promise<void>;
}

/**
 * A failure talking to a target database. `transient` failures (the server could not be reached) are retried;
 * permanent ones (bad credentials, missing database, a dump that broke midway) are not.
 */
export class TargetDatabaseError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'TargetDatabaseError';
  }
}

const TRANSIENT_PATTERNS = [
  /connection refused/i,
  /timeout expired/i,
  /timed out/i,
  /could not translate host name/i,
  /network is unreachable/i,
  /no route to host/i,
  /the database system is (starting up|shutting down)/i,
  /too many connections|remaining connection slots/i,
  /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/,
];

export function isTransientFailure(message: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}

/** Removes a secret from a message meant for users and logs. */
export function redact(message: string, ...secrets: string[]): string {
  return secrets
    .filter((secret) => secret.length >= 3)
    .reduce((text, secret) => text.split(secret).join('********'), message);
}
