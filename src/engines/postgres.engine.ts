import { Injectable } from '@nestjs/common';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import pg from 'pg';
import { feedStdin } from '../core/process/feed-stdin.js';
import { ProcessRunner, type RunOptions, stderrTail } from '../core/process/process-runner.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import {
  type ConnectionTarget,
  type DatabaseEngine,
  type DumpSession,
  type RestoreSession,
  type ServerInfo,
  TargetDatabaseError,
  isTransientFailure,
  redact,
} from './engine.js';
import { PgTools } from './pg-tools.js';

const APPLICATION_NAME = 'db-backup-service';
const CONNECT_TIMEOUT_SECONDS = 10;

/** A value for a libpq conninfo string: single-quoted, with \ and ' escaped, so it is always taken literally. */
export function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A field of a .pgpass line: ':' and '\' escaped. */
export function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

export function pgpassLine(target: ConnectionTarget): string {
  const fields = [target.host, String(target.port), target.database, target.username, target.password];
  return `${fields.map(pgpassField).join(':')}\n`;
}

/**
 * Connection arguments shared by pg_dump and pg_restore. The database name goes inside a conninfo string we build,
 * so a user-supplied name such as "host=evil" or "postgresql://…" is a literal name, and every option uses
 * --opt=value so nothing reads as a flag.
 */
export function pgConnectionArgs(target: ConnectionTarget): string[] {
  const conninfo = [
    `dbname=${conninfoValue(target.database)}`,
    `application_name=${conninfoValue(APPLICATION_NAME)}`,
    `connect_timeout=${CONNECT_TIMEOUT_SECONDS}`,
  ].join(' ');
  return [
    '--no-password',
    `--host=${target.host}`,
    `--port=${target.port}`,
    `--username=${target.username}`,
    `--dbname=${conninfo}`,
  ];
}

/** Custom format without pg_dump's own compression: the pipeline compresses (zstd on another core is faster). */
export function pgDumpArgs(target: ConnectionTarget): string[] {
  return ['--format=custom', '--compress=0', ...pgConnectionArgs(target)];
}

/**
 * Replaces the archive's objects in the target, in one transaction: a failed restore changes nothing.
 * Owners and grants are left out so a dump restores into any server and role.
 */
export function pgRestoreArgs(target: ConnectionTarget): string[] {
  return [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--single-transaction',
    '--exit-on-error',
    ...pgConnectionArgs(target),
  ];
}

function parseServerVersion(versionNum: string, version: string): ServerInfo {
  const numeric = Number(versionNum);
  const major = Math.floor(numeric / 10_000);
  return { major, version: version.split(' ')[0] ?? version };
}

@Injectable()
export class PostgresEngine implements DatabaseEngine {
  readonly name = 'postgres' as const;
  readonly dumpExtension = 'dump';

  constructor(
    private readonly processes: ProcessRunner,
    private readonly tools: PgTools,
  ) {}

  async serverInfo(target: ConnectionTarget): Promise<ServerInfo> {
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.username,
      password: target.password,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: CONNECT_TIMEOUT_SECONDS * 1000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ num: string; version: string }>(
        "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
      );
      return parseServerVersion(rows[0]!.num, rows[0]!.version);
    } catch (error) {
      const message = redact((error as Error).message, target.password);
      throw new TargetDatabaseError(`Cannot connect to PostgreSQL: ${message}`, isTransientFailure(message));
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async startDump(target: ConnectionTarget, signal: AbortSignal, stdoutFd?: number): Promise<DumpSession> {
    const server = await this.serverInfo(target);
    const tools = await this.tools.forServer(server.major);
    const { process, completed } = await this.runWithPassfile(tools.pgDump, pgDumpArgs(target), target, { signal, stdoutFd });
    return {
      stdout: process.stdout,
      completed,
      serverVersion: server.version,
      toolVersion: `pg_dump ${tools.version}`,
    };
  }

  async startRestore(target: ConnectionTarget, signal: AbortSignal): Promise<RestoreSession> {
    const server = await this.serverInfo(target);
    const tools = await this.tools.forServer(server.major);
    const { process, completed } = await this.runWithPassfile(tools.pgRestore, pgRestoreArgs(target), target, {
      signal,
      stdin: true,
    });
    process.stdout.resume();
    return { stdin: process.stdin!, completed, toolVersion: `pg_restore ${tools.version}` };
  }

  /** Reads the whole archive with pg_restore (TOC and every data block) without a database. */
  async validateArchive(dump: Readable, signal: AbortSignal): Promise<void> {
    // `dump` may be the stdout of a child (zstd) that exits while we look pg_restore up; Node then drains the
    // stdout of an exited child that nobody reads, and the bytes would be lost. Reading it at once keeps them.
    const held = dump.pipe(new PassThrough());
    dump.once('error', (error) => held.destroy(error));
    const [tools] = (await this.tools.list()).slice(-1);
    if (!tools) throw new Error('No pg_restore is installed');
    const check = this.processes.run(tools.pgRestore, ['--file=/dev/null'], { stdin: true, signal });
    check.stdout.resume();
    const [, result] = await Promise.all([feedStdin(held, check.stdin!), check.exited]);
    if (result.code !== 0) {
      throw new Error(`pg_restore cannot read the archive: ${result.stderr.trim() || `exit ${result.signal ?? result.code}`}`);
    }
  }

  /** Runs a libpq tool with the password in a 0600 PGPASSFILE that is removed when the tool exits. */
  private async runWithPassfile(file: string, args: string[], target: ConnectionTarget, options: RunOptions) {
    const passfile = await writeSecretFile('pgpass', pgpassLine(target));
    const process = this.processes.run(file, args, { ...options, env: { PGPASSFILE: passfile.path } });
    const tool = path.basename(file);
    const completed = process.exited.then(async (result) => {
      await passfile.remove();
      if (result.code === 0) return;
      const reason = redact(stderrTail(result.stderr) || `${tool} exited with ${result.signal ?? result.code}`, target.password);
      throw new TargetDatabaseError(reason, isTransientFailure(reason));
    });
    return { process, completed };
  }
}
