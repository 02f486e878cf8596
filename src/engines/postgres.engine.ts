import { Injectable } from '@nestjs/common';
import pg from 'pg';
import { ProcessRunner } from '../core/process/process-runner.js';
import { writeSecretFile } from '../core/process/secret-file.js';
import {
  type ConnectionTarget,
  type DatabaseEngine,
  type DumpSession,
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
 * pg_dump arguments. The database name goes inside a conninfo string we build, so a user-supplied name such as
 * "host=evil" or "postgresql://…" is a literal name, and every option uses --opt=value so nothing reads as a flag.
 */
export function pgDumpArgs(target: ConnectionTarget): string[] {
  const conninfo = [
    `dbname=${conninfoValue(target.database)}`,
    `application_name=${conninfoValue(APPLICATION_NAME)}`,
    `connect_timeout=${CONNECT_TIMEOUT_SECONDS}`,
  ].join(' ');
  return [
    '--format=custom',
    '--no-password',
    `--host=${target.host}`,
    `--port=${target.port}`,
    `--username=${target.username}`,
    `--dbname=${conninfo}`,
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

  async startDump(target: ConnectionTarget, signal: AbortSignal): Promise<DumpSession> {
    const server = await this.serverInfo(target);
    const tools = await this.tools.forServer(server.major);
    const passfile = await writeSecretFile('pgpass', pgpassLine(target));
    const dump = this.processes.run(tools.pgDump, pgDumpArgs(target), { env: { PGPASSFILE: passfile.path }, signal });
    const completed = dump.exited.then(async (result) => {
      await passfile.remove();
      if (result.code === 0) return;
      const reason = redact(result.stderr.trim() || `pg_dump exited with ${result.signal ?? result.code}`, target.password);
      throw new TargetDatabaseError(reason, isTransientFailure(reason));
    });
    return {
      stdout: dump.stdout,
      completed,
      serverVersion: server.version,
      toolVersion: `pg_dump ${tools.version}`,
      fileExtension: 'dump',
    };
  }
}
