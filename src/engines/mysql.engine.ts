import { Injectable } from '@nestjs/common';
import type { Connection } from 'mariadb';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProcessFailedError, ProcessRunner, stderrTail } from '../core/process/process-runner.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import type { BackupCatalog, BackupManifest } from './backup-catalog.js';
import {
  type ArchiveCheck,
  type ContentsListing,
  type ConnectionTarget,
  type DatabaseEngine,
  type DumpCommand,
  type RestoreCommand,
  type RestorePlan,
  RestorePreflightError,
  RestoreSwitchError,
  type ServerInfo,
  type TableSelection,
  TargetDatabaseError,
  type ToolCommand,
  redact,
  restoredName,
} from './engine.js';
import { measureDatabase } from './mysql-catalog.js';
import { asTargetError, quoteIdentifier, withMysqlConnection } from './mysql-connection.js';
import { scanMysqlDumpContents } from './mysql-dump-contents.js';
import { MysqlDumpCatalog } from './mysql-dump-catalog.js';
import { runMysqlProbe } from './mysql-probe.js';
import { MysqlDumpRewriter } from './mysql-dump-rewrite.js';
import { isMysqlTransientFailure } from './mysql-failures.js';
import { MysqlTableFilter, type TableFilterOptions } from './mysql-table-filter.js';
import { MysqlTableRestoring } from './mysql-table-restoring.js';
import { checkDefiners, checkPacketSize, definersToRewrite, mysqlDetails } from './mysql-preflight.js';
import { databaseOptions, switchDatabases } from './mysql-switch.js';

const CONNECT_TIMEOUT_SECONDS = 10;
/** The largest packet the client may send: a dump row with a big BLOB must not fail the restore at 16 MB. */
const RESTORE_MAX_ALLOWED_PACKET = '1G';
/** Tools in order of preference: MariaDB's names first, MySQL's (or MariaDB's compatibility links) second. */
const DUMP_TOOLS = ['mariadb-dump', 'mysqldump'] as const;
const CLIENT_TOOLS = ['mariadb', 'mysql'] as const;

const HEAD_BYTES = 4096;
const TAIL_BYTES = 4096;
/** The first lines of a mariadb-dump / mysqldump file, after MariaDB's optional sandbox-mode line. */
const DUMP_HEADER = /^-- (?:MariaDB|MySQL) dump /m;
/** The last line mariadb-dump / mysqldump writes, only after everything else succeeded ("on <date>" without --skip-dump-date). */
const DUMP_TRAILER = /(?:^|\n)-- Dump completed(?: on [^\n]*)?$/;

export { isMysqlTransientFailure } from './mysql-failures.js';

/**
 * A value for a MySQL/MariaDB option file, double-quoted so that '#', ';', quotes and surrounding spaces are kept.
 * Inside the quotes the option-file reader turns \\ into \, \" into ", \n into a newline and \r into a carriage
 * return; escaping those keeps the value on one line and taken literally.
 */
export function optionFileValue(value: string): string {
  if (value.includes('\0')) throw new Error('An option-file value cannot contain a NUL character');
  const escaped = value.replace(/[\\"\n\r]/g, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      default:
        return `\\${char}`;
    }
  });
  return `"${escaped}"`;
}

/**
 * The [client] section given as --defaults-extra-file: the only place the credentials go. protocol=TCP so that
 * "localhost" connects to the port instead of silently using a local socket.
 */
export function mysqlOptionFile(target: ConnectionTarget): string {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
    throw new TargetDatabaseError(`Invalid port: ${target.port}`, false);
  }
  return [
    '[client]',
    `host=${optionFileValue(target.host)}`,
    `port=${target.port}`,
    `user=${optionFileValue(target.username)}`,
    `password=${optionFileValue(target.password)}`,
    'protocol=TCP',
    '',
  ].join('\n');
}

/**
 * mariadb-dump arguments. --defaults-extra-file must come first. The database is a positional argument after
 * "--", so a name such as "-x" or "--all-databases" is a literal name; without --databases the dump has no
 * CREATE DATABASE / USE and restores into any database.
 */
export function mysqlDumpArgs(optionFile: string, database: string): string[] {
  return [
    `--defaults-extra-file=${optionFile}`,
    '--single-transaction',
    // System-versioned tables with every row version and its row_start/row_end (works with --single-transaction).
    '--dump-history',
    // LOCK TABLES around the INSERTs breaks tables whose default is NEXTVAL(seq): the sequence is not locked.
    '--skip-add-locks',
    '--routines',
    '--triggers',
    '--events',
    '--hex-blob',
    '--default-character-set=utf8mb4',
    '--no-tablespaces',
    '--skip-dump-date',
    '--',
    database,
  ];
}

/**
 * mariadb client arguments to replay a dump into `database`. --sandbox refuses client commands that reach the
 * filesystem or a shell (\!, source, tee…), since the dump comes from a server we do not fully trust; the client
 * stops at the first error (no --force).
 */
export function mysqlRestoreArgs(optionFile: string, database: string): string[] {
  return [
    `--defaults-extra-file=${optionFile}`,
    '--batch',
    '--binary-mode',
    '--sandbox',
    '--default-character-set=utf8mb4',
    `--connect-timeout=${CONNECT_TIMEOUT_SECONDS}`,
    `--max-allowed-packet=${RESTORE_MAX_ALLOWED_PACKET}`,
    '--',
    database,
  ];
}

/** mariadb client arguments that print the server version, connected to `database` so a missing one is reported. */
export function mysqlServerInfoArgs(optionFile: string, database: string): string[] {
  return [
    `--defaults-extra-file=${optionFile}`,
    '--batch',
    '--skip-column-names',
    '--default-character-set=utf8mb4',
    `--connect-timeout=${CONNECT_TIMEOUT_SECONDS}`,
    '--execute=SELECT VERSION()',
    '--',
    database,
  ];
}

/**
 * SELECT VERSION() output to ServerInfo: "10.11.19-MariaDB-0+deb12u1" → 10.11.19-MariaDB (major 10),
 * "8.0.36-0ubuntu0.22.04.1" → 8.0.36 (major 8). The "5.5.5-" prefix some MariaDB versions report is dropped.
 */
export function parseMysqlVersion(output: string): ServerInfo {
  const text = output.trim();
  const match = /^(?:5\.5\.5-(?=\d+\.\d+\.\d+-MariaDB))?(\d+)\.(\d+)\.(\d+)(-MariaDB)?/i.exec(text);
  if (!match) throw new Error(`Unrecognised MySQL server version: ${JSON.stringify(text.slice(0, 100))}`);
  const [, major, minor, patch, mariadb] = match;
  return { version: `${major}.${minor}.${patch}${mariadb ? '-MariaDB' : ''}`, major: Number(major) };
}

/**
 * The version a client tool reports with --version, e.g.
 * "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)" → "10.11.19-MariaDB",
 * "mariadb-dump from 11.4.2-MariaDB, client 10.19 for Linux (x86_64)" → "11.4.2-MariaDB",
 * "mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)" → "8.0.36".
 */
export function parseMysqlToolVersion(output: string): string | null {
  const match =
    /\bDistrib\s+([0-9][^\s,]*)/.exec(output) ?? /\bfrom\s+([0-9][^\s,]*)/.exec(output) ?? /\bVer\s+([0-9][^\s,]*)/.exec(output);
  return match ? match[1]! : null;
}

/** An installed client program and the version it reports, e.g. "mariadb-dump 10.11.19-MariaDB". */
export interface MysqlTool {
  file: string;
  version: string;
}

const SERVICE_DATABASE = /^dbbackup_(?:restore|aside|drill)_/;

/** Only databases this service names (fresh restores, aside copies, drills' scratch copies) are ever created or dropped by name. */
function assertServiceDatabase(name: string): void {
  if (!SERVICE_DATABASE.test(name)) throw new Error(`Refusing to touch ${JSON.stringify(name)}: not a dbbackup_restore_/dbbackup_aside_ database, nor a dbbackup_drill_ one`);
}

@Injectable()
export class MysqlEngine implements DatabaseEngine {
  readonly name = 'mysql' as const;
  readonly dumpExtension = 'sql';
  /** The dump is rewritten on its way in (definers, sequence qualifiers): it goes through this process. */
  readonly restoresFromDescriptor = false;
  readonly tables = new MysqlTableRestoring();
  private readonly tools = new Map<string, Promise<MysqlTool>>();

  constructor(private readonly processes: ProcessRunner) {}

  async serverInfo(target: ConnectionTarget): Promise<ServerInfo> {
    const client = await this.tool(CLIENT_TOOLS);
    const optionFile = await writeSecretFile('my.cnf', mysqlOptionFile(target));
    let output: string;
    try {
      output = await this.processes.output(client.file, mysqlServerInfoArgs(optionFile.path, target.database));
    } catch (error) {
      const detail = error instanceof ProcessFailedError ? stderrTail(error.result.stderr) || error.message : String(error);
      const message = redact(detail, target.password);
      throw new TargetDatabaseError(`Cannot connect to MySQL: ${message}`, isMysqlTransientFailure(message));
    } finally {
      await optionFile.remove();
    }
    try {
      return parseMysqlVersion(output);
    } catch (error) {
      throw new TargetDatabaseError((error as Error).message, false);
    }
  }

  /**
   * mariadb-dump and, beside it, the catalog: counts taken in a snapshot opened with writes blocked until the dump's
   * own transaction has started (see MysqlDumpCatalog for how close that is).
   */
  async prepareDump(target: ConnectionTarget, signal: AbortSignal): Promise<DumpCommand> {
    const server = await this.serverInfo(target);
    const dumpTool = await this.tool(DUMP_TOOLS);
    const counting = await MysqlDumpCatalog.open(target);
    const recordCatalog = (completed: Promise<void>): Promise<BackupCatalog> => {
      // Counting stops (its connection is destroyed) when the backup is aborted or the dump fails.
      const stopCounting = new AbortController();
      const onAbort = () => stopCounting.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let dumpRunning = true;
      const dumpEnded = completed.then(
        () => {
          dumpRunning = false;
        },
        (error: unknown) => {
          dumpRunning = false;
          stopCounting.abort();
          throw error;
        },
      );
      const counted = counting.collect(() => dumpRunning, stopCounting.signal);
      const catalog: Promise<BackupCatalog> = Promise.all([counted, dumpEnded]).then(
        ([collected]) => collected,
        async (error: unknown) => {
          // The dump's own failure explains more than the interrupted counting.
          await dumpEnded;
          throw error;
        },
      );
      catalog.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
      return catalog;
    };
    return {
      tool: mysqlToolCommand(dumpTool, mysqlDumpArgs, target),
      serverVersion: server.version,
      recordCatalog,
      release: () => counting.close(),
    };
  }

  /** Checks definer accounts and the packet size on the target server; writes nothing. */
  async preflight(plan: RestorePlan): Promise<void> {
    mysqlDetails(plan);
    await this.withTarget(plan.target, async (connection) => {
      await checkDefiners(connection, plan);
      await checkPacketSize(connection, plan);
    });
  }

  async createFreshDatabase(plan: RestorePlan): Promise<void> {
    assertServiceDatabase(plan.freshDatabase);
    const { database } = mysqlDetails(plan);
    await this.withTarget(plan.target, (connection) =>
      connection.query(`CREATE DATABASE ${quoteIdentifier(plan.freshDatabase)} ${databaseOptions(connection, database)}`),
    );
  }

  /**
   * The mariadb client into the fresh database, fed through MysqlDumpRewriter: sequence defaults lose the source
   * database's name, and missing definers (or all, for ownership "restoring-user") become CURRENT_USER. A partial
   * restore (plan.tables) goes into the target database itself, through MysqlTableFilter first.
   */
  async prepareRestore(plan: RestorePlan): Promise<RestoreCommand> {
    const details = mysqlDetails(plan);
    const destination = plan.tables ? plan.target : { ...plan.target, database: plan.freshDatabase };
    await this.serverInfo(destination);
    const definers = await this.withTarget(plan.target, (connection) => definersToRewrite(connection, plan));
    const client = await this.tool(CLIENT_TOOLS);
    const rewriter = new MysqlDumpRewriter({ sourceDatabase: details.sourceDatabase, definers });
    const filter = plan.tables ? new MysqlTableFilter(tableFilterOptions(plan.tables)) : undefined;
    return { tool: mysqlToolCommand(client, mysqlRestoreArgs, destination), filter, rewriter };
  }

  /** Counts the fresh database the way the backup counted its source. */
  async measure(plan: RestorePlan): Promise<BackupManifest> {
    return this.withTarget(plan.target, (connection) =>
      measureDatabase(connection, plan.freshDatabase, plan.catalog.manifest.consistency),
    );
  }

  /** See mysql-switch.ts for the steps and the guarantee. */
  async switchIn(plan: RestorePlan): Promise<{ setAside: boolean }> {
    assertServiceDatabase(plan.freshDatabase);
    assertServiceDatabase(plan.asideDatabase);
    const { database } = mysqlDetails(plan);
    return this.withTarget(plan.target, (connection) => switchDatabases(connection, plan, database));
  }

  async dropServiceDatabase(target: ConnectionTarget, name: string): Promise<void> {
    assertServiceDatabase(name);
    await this.withTarget(target, (connection) => connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`));
  }

  /** A connection to the target's server; driver errors become TargetDatabaseError, restore errors pass through. */
  private async withTarget<T>(target: ConnectionTarget, work: (connection: Connection) => Promise<T>): Promise<T> {
    try {
      return await withMysqlConnection(target, work);
    } catch (error) {
      if (error instanceof RestorePreflightError || error instanceof RestoreSwitchError) throw error;
      throw asTargetError(error, target);
    }
  }

  async listServiceDatabases(target: ConnectionTarget, prefix: string): Promise<string[]> {
    assertServiceDatabase(prefix);
    return this.withTarget(target, async (connection) => {
      const rows = (await connection.query('SELECT schema_name FROM information_schema.schemata WHERE LEFT(schema_name, ?) = ? ORDER BY 1', [
        prefix.length,
        prefix,
      ])) as string[][];
      return rows.map(([name]) => String(name));
    });
  }

  runProbe(target: ConnectionTarget, database: string, sql: string, timeoutMs: number): Promise<string | null> {
    return runMysqlProbe(target, database, sql, timeoutMs);
  }

  /** The dump is read in this process (see validateArchive). */
  async archiveCheck(): Promise<ArchiveCheck> {
    return { kind: 'reader', read: (dump, signal) => this.validateArchive(dump, signal) };
  }

  /** The dump is scanned in this process, line by line (see MysqlDumpContentsScanner): no tool, no database. */
  async prepareContents(): Promise<ContentsListing> {
    return { kind: 'reader', read: scanMysqlDumpContents };
  }

  /**
   * Reads the dump to its end, keeping only its first and last few kilobytes, and checks that it starts like a
   * mariadb-dump/mysqldump file and ends with the "-- Dump completed" line written after a successful dump.
   */
  async validateArchive(dump: Readable, signal: AbortSignal): Promise<void> {
    let head = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    let bytes = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        tail =
          chunk.length >= TAIL_BYTES
            ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
            : Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
        callback();
      },
    });
    await pipeline(dump, sink, { signal });

    if (bytes === 0) throw new Error('The SQL dump is empty');
    if (!DUMP_HEADER.test(head.toString('utf8'))) {
      throw new Error('The file is not a mariadb-dump/mysqldump SQL dump: its header is missing');
    }
    const end = tail.toString('utf8').trimEnd();
    if (!DUMP_TRAILER.test(end)) {
      throw new Error(
        'The SQL dump is incomplete: it does not end with the "-- Dump completed" line ' +
          '(the dump was cut off or failed midway)',
      );
    }
  }

  /** The first of `candidates` that runs, with its version; remembered once found. */
  private tool(candidates: readonly string[]): Promise<MysqlTool> {
    const key = candidates.join(',');
    let found = this.tools.get(key);
    if (!found) {
      found = this.discover(candidates);
      found.catch(() => this.tools.delete(key));
      this.tools.set(key, found);
    }
    return found;
  }

  private async discover(candidates: readonly string[]): Promise<MysqlTool> {
    for (const file of candidates) {
      try {
        const output = await this.processes.output(file, ['--version']);
        return { file, version: `${file} ${parseMysqlToolVersion(output) ?? output.trim().split('\n')[0]}` };
      } catch {
        // Not installed (or not runnable): try the next name.
      }
    }
    throw new TargetDatabaseError(`None of ${candidates.join(', ')} is installed on the PATH`, false);
  }
}

/** What MysqlTableFilter keeps: each named table under the name it is restored as. */
function tableFilterOptions(selection: TableSelection): TableFilterOptions {
  return { tables: new Map(selection.names.map((name) => [name, restoredName(selection, name)])), data: selection.data };
}

/** A client tool with the credentials in a 0600 option file, given as --defaults-extra-file. */
export function mysqlToolCommand(
  tool: MysqlTool,
  args: (optionFile: string, database: string) => string[],
  target: ConnectionTarget,
): ToolCommand {
  return {
    file: tool.file,
    version: tool.version,
    credentials: { name: 'my.cnf', content: mysqlOptionFile(target) },
    args: (optionFile) => args(optionFile, target.database),
    env: () => ({}),
    failure: (reason) => {
      const message = redact(reason, target.password);
      return new TargetDatabaseError(message, isMysqlTransientFailure(message));
    },
  };
}
