import type { Readable, Transform } from 'node:stream';
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
 * A run of a database tool, described: the program, its arguments, and the credentials file the tool reads (a 0600
 * file, never argv or env). The data pipeline (src/pipeline) writes the file, starts the tool and removes the file
 * when the tool exits.
 */
export interface ToolCommand {
  /** The program: a path, or a name on the PATH. */
  file: string;
  /** What is recorded as the tool's version, e.g. "pg_dump 15.4". */
  version: string;
  /** The content of the credentials file, and the prefix of its name. */
  credentials: { name: string; content: string };
  /** The arguments, given the credentials file's path. */
  args(credentialsFile: string): string[];
  /** Variables for the tool's minimal environment (never a secret), given the credentials file's path. */
  env(credentialsFile: string): Record<string, string>;
  /** The error a failed run is reported as, from the tail of its stderr or its exit status: redacted, transient or not. */
  failure(reason: string): TargetDatabaseError;
}

/** What a dump needs, prepared: the tool to run, and the catalog the engine records beside it. */
export interface DumpCommand {
  tool: ToolCommand;
  serverVersion: string;
  /**
   * Records what goes beside the dump (manifest, database properties, accounts, warnings); called once the tool has
   * started. Settles after `dumpEnded`; rejects if the dump fails or `signal` (given to prepareDump) aborts. The
   * engine releases its connections either way.
   */
  recordCatalog(dumpEnded: Promise<void>): Promise<BackupCatalog>;
  /** Releases what prepareDump opened, when the tool could not be started (recordCatalog is then never called). */
  release(): Promise<void>;
}

/** What a restore needs, prepared: the tool to run, and the stage the dump goes through on its way in, if any. */
export interface RestoreCommand {
  tool: ToolCommand;
  /** Keeps only part of the dump (a MySQL partial restore's tables), before the rewriter; absent when all of it goes in. */
  filter?: Transform;
  /** Rewrites the dump before the tool reads it (MySQL definers, sequence qualifiers); absent when it goes in as is. */
  rewriter?: Transform;
}

/** How to check that an uncompressed dump is a complete, readable archive. */
export type ArchiveCheck =
  /** A tool that reads the whole archive on its stdin and exits 0 only if it is readable (no database involved). */
  | { kind: 'tool'; file: string; args: string[]; failure(detail: string): Error }
  /** A check that reads the archive in this process, throwing if it is not complete. */
  | { kind: 'reader'; read(dump: Readable, signal: AbortSignal): Promise<void> };

/** One object a backup holds, as its archive (PostgreSQL's table of contents) or its dump (MySQL) names it. */
export interface ArchiveObject {
  /** "schema", "table", "view", "materialized view", "function", "procedure", "sequence", "trigger", "event", … */
  kind: string;
  /** PostgreSQL: the object's schema (null for a schema, an extension); MySQL: null (one database per dump). */
  schema: string | null;
  name: string;
}

/** How to list the objects an uncompressed dump holds, without a database. */
export type ContentsListing =
  /** A tool that reads the archive on its stdin and prints one line per entry; `parse` keeps the objects. */
  | { kind: 'tool'; file: string; args: string[]; failure(detail: string): Error; parse(line: string): ArchiveObject | null }
  /** A scan of the dump in this process, streamed: the dump is never held in memory. */
  | { kind: 'reader'; read(dump: Readable, signal: AbortSignal): Promise<ArchiveObject[]> };

/** A tool that reads an uncompressed dump on its stdin (no database) and prints text: a partial restore reads its output. */
export interface ArchiveReader {
  file: string;
  args: string[];
  failure(detail: string): Error;
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

/**
 * The tables a partial restore brings back, named as the backup's manifest names them ("schema.table" for PostgreSQL,
 * "table" for MySQL), with or without their rows, each under its own name or the one `rename` gives it.
 */
export interface TableSelection {
  names: string[];
  data: boolean;
  /** Whole schemas restored with everything in them (PostgreSQL), besides `names`. */
  schemas?: string[];
  /** A name of `names` → the name it is restored under (PostgreSQL: in the same schema). */
  rename?: Record<string, string>;
}

/** The name `name` (one of `selection.names`) is restored under. */
export function restoredName(selection: TableSelection, name: string): string {
  return selection.rename?.[name] ?? name;
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
  /**
   * A partial restore: the 0600 file listing the archive entries to restore (pg_restore --use-list). They go into
   * `target.database` itself, in one transaction; `freshDatabase` is then not used.
   */
  tableList?: string;
  /** A partial restore that filters the dump on its way in (MySQL): the tables go into `target.database` itself. */
  tables?: TableSelection;
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

/** A drill's probe query failed on the scratch database: the message is the database's own (redacted). */
export class ProbeFailedError extends Error {
  readonly transient = false;
  constructor(message: string) {
    super(message);
    this.name = 'ProbeFailedError';
  }
}

export interface DatabaseEngine {
  readonly name: EngineName;
  /** Extension of the uncompressed dump: "dump" (pg_dump custom format) or "sql". */
  readonly dumpExtension: string;
  serverInfo(target: ConnectionTarget): Promise<ServerInfo>;
  /**
   * Prepares a dump of `target`: the tool and its arguments, and what the catalog needs opened beside it (a snapshot,
   * a counting connection), released when `signal` aborts. Starts no process: see src/pipeline.
   */
  prepareDump(target: ConnectionTarget, signal: AbortSignal): Promise<DumpCommand>;
  /**
   * Checks, before anything is written, that the target server has what the backup needs (roles, definer accounts,
   * packet size); throws RestorePreflightError naming what lacks, or creates it where `plan.options` allow.
   */
  preflight(plan: RestorePlan): Promise<void>;
  /** Creates `plan.freshDatabase`, empty, with the backup's database properties (encoding, collation, comment, ACL, settings). */
  createFreshDatabase(plan: RestorePlan): Promise<void>;
  /** Whether the restore tool reads the dump as stored (no rewriter): it can then read a kernel pipe, without this process. */
  readonly restoresFromDescriptor: boolean;
  /** Prepares the restore tool into `plan.freshDatabase` (and the rewriter its input goes through, if any). */
  prepareRestore(plan: RestorePlan): Promise<RestoreCommand>;
  /** Counts `plan.freshDatabase` the way the backup's manifest counted its source. */
  measure(plan: RestorePlan): Promise<BackupManifest>;
  /**
   * Puts `plan.freshDatabase` in the place of `plan.target.database`, all or nothing; the database that had that
   * name (if any) becomes `plan.asideDatabase`. Throws RestoreSwitchError, changing nothing, when it cannot.
   */
  switchIn(plan: RestorePlan): Promise<{ setAside: boolean }>;
  /** Drops a database this service made (a fresh or an aside one); does nothing if it does not exist. */
  dropServiceDatabase(target: ConnectionTarget, name: string): Promise<void>;
  /** The names of the databases on the target's server that start with `prefix` (one of this service's). */
  listServiceDatabases(target: ConnectionTarget, prefix: string): Promise<string[]>;
  /** How to check that an uncompressed dump is a complete, readable archive. */
  archiveCheck(): Promise<ArchiveCheck>;
  /** How to list the objects of an uncompressed dump (GET /backups/:id/contents). */
  prepareContents(): Promise<ContentsListing>;
  /**
   * Runs one read-only query (a drill's probe) in `database`, a scratch copy, inside a read-only transaction with a
   * statement timeout; returns the first column of the first row as text (null: no row, or NULL). Throws
   * ProbeFailedError with the database's message when the query fails.
   */
  runProbe(target: ConnectionTarget, database: string, sql: string, timeoutMs: number): Promise<string | null>;
  /** Partial restores: absent when the engine cannot restore named tables. */
  readonly tables?: TableRestoring;
}

/**
 * What a partial restore of named tables needs from an engine. PostgreSQL reads the archive first and restores a
 * list of its entries (`list`, RestorePlan.tableList); MySQL filters the dump on its way in (RestorePlan.tables).
 */
export interface TableRestoring {
  readonly list?: TableListing;
  /** How tables are restored under other names, when the restore tool cannot rename them itself (PostgreSQL). */
  readonly renaming?: TableRenaming;
  /** Those of `schemas` that already exist in `target.database`; absent when whole schemas cannot be restored (MySQL). */
  existingSchemas?(target: ConnectionTarget, schemas: string[]): Promise<string[]>;
  /** Those of `names` (as the manifest names tables) that already exist in `target.database`, as relations of any kind. */
  existing(target: ConnectionTarget, names: string[]): Promise<string[]>;
  /**
   * The rows of each of `names` in `target.database`, counted as the manifest counts them: keyed by the name, and
   * "<name> (history)" for the history rows of a MySQL system-versioned table.
   */
  countRows(target: ConnectionTarget, names: string[]): Promise<Record<string, number>>;
}

/**
 * A partial restore under other names through a scratch database on the target's server: the caller creates it
 * (createFreshDatabase with `freshDatabase` as the scratch one), restores the list into it, and always drops it.
 */
export interface TableRenaming {
  /** Readies the scratch database to receive the list (the tables' schemas). */
  prepareScratch(scratch: ConnectionTarget, selection: TableSelection): Promise<void>;
  /** Renames the tables in the scratch database, with those of their objects whose names would clash in the target. */
  renameInScratch(scratch: ConnectionTarget, target: ConnectionTarget, selection: TableSelection): Promise<void>;
  /** The tools that copy the renamed tables from the scratch database into the target: the dump, piped into the restore. */
  transfer(
    scratch: ConnectionTarget,
    target: ConnectionTarget,
    selection: TableSelection,
    ownership: RestoreOptions['ownership'],
  ): Promise<{ dump: ToolCommand; restore: ToolCommand }>;
}

/** A partial restore made from a list of the archive's entries (pg_restore --use-list). */
export interface TableListing {
  /** The tools whose outputs, read from the dump in this order, `restoreList` takes. */
  readers(): Promise<ArchiveReader[]>;
  /** The list of archive entries that restores `selection` (see RestorePlan.tableList); empty if none matched. */
  restoreList(readerOutputs: string[], selection: TableSelection): string;
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
