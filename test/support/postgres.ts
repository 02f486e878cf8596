import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES_DIR } from './fixtures.js';
import pg from 'pg';

const HOST = process.env.TEST_PG_HOST ?? '127.0.0.1';
const PORT = Number(process.env.TEST_PG_PORT ?? 5432);
const USER = process.env.TEST_PG_USER ?? 'postgres';

export { FIXTURES_DIR };

export function connect(database = 'postgres'): pg.Client {
  return new pg.Client({ host: HOST, port: PORT, user: USER, database });
}

export async function withClient<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = connect(database);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<void> {
  await withClient('postgres', (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient('postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** The Chinook script without its DROP/CREATE DATABASE and \c lines, so it loads into a database of our own. */
export async function chinookPostgresScript(): Promise<string> {
  const script = await readFile(path.join(FIXTURES_DIR, 'chinook-postgres.sql'), 'utf8');
  return script
    .split('\n')
    .filter((line) => !/^\s*(DROP DATABASE|CREATE DATABASE|\\c)\b/i.test(line))
    .join('\n');
}

/** Runs a program to completion, feeding `input` on stdin; rejects with its stderr on failure. */
export function runTool(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${file} exited ${code}: ${stderr}`))));
    // A program that does not read its stdin (mount, umount) may exit first: that is not a failure of its own.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export async function loadChinook(database: string): Promise<void> {
  await runTool(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--host=${HOST}`, `--port=${PORT}`, `--username=${USER}`, `--dbname=${database}`],
    await chinookPostgresScript(),
  );
}

/** Restores a stored backup file (zstd-compressed when its name ends in .zst) with pg_restore. */
export async function pgRestore(file: string, database: string): Promise<void> {
  const archive = file.endsWith('.zst') ? `${file}.plain` : file;
  if (archive !== file) await runTool('zstd', ['-d', '-q', '-f', '-o', archive, file]);
  await runTool('pg_restore', [
    '--no-owner',
    '--exit-on-error',
    `--host=${HOST}`,
    `--port=${PORT}`,
    `--username=${USER}`,
    `--dbname=${database}`,
    archive,
  ]);
  if (archive !== file) await rm(archive, { force: true });
}

export interface TableFingerprint {
  rows: number;
  md5: string;
}

/** Row count and a hash of every row's content, per table of the public schema. */
export async function tableFingerprints(database: string): Promise<Record<string, TableFingerprint>> {
  return withClient(database, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const result: Record<string, TableFingerprint> = {};
    for (const { name } of tables) {
      const table = pg.escapeIdentifier(name);
      const { rows } = await client.query<{ rows: string; md5: string }>(
        `SELECT count(*) AS rows, coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS md5 FROM ${table} t`,
      );
      result[name] = { rows: Number(rows[0]!.rows), md5: rows[0]!.md5 };
    }
    return result;
  });
}

/**
 * Sessions of the service's dump tool waiting for a lock on `database` (a table held by lockTable): pg_dump once it
 * is connected and stopped there, not the service's short version query nor its manifest session.
 */
export async function heldDumpSessions(database: string): Promise<number> {
  const { rows } = await withClient('postgres', (c) =>
    c.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'db-backup-service' AND wait_event_type = 'Lock'",
      [database],
    ),
  );
  return rows[0].n;
}

/** Every session the service holds on `database`: its tools' and its manifest's ("db-backup-service manifest"). */
export async function serviceSessions(database: string): Promise<number> {
  const { rows } = await withClient('postgres', (c) =>
    c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'db-backup-service%'", [database]),
  );
  return rows[0].n;
}

/** A small database whose table `t` a test can lock, to hold a dump up for as long as it wants. */
export async function createLockableDatabase(name: string): Promise<void> {
  await createDatabase(name);
  await withClient(name, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g'));
}

export interface TableLock {
  release(): Promise<void>;
}

/**
 * Holds ACCESS EXCLUSIVE on `table` from another session: pg_dump waits for it, so the backup stays `running`
 * (its pg_dump and zstd alive, its partial file open) until release().
 */
export async function lockTable(database: string, table = 't', server: (database: string) => pg.Client = connect): Promise<TableLock> {
  const locker = server(database);
  await locker.connect();
  await locker.query(`BEGIN; LOCK TABLE ${pg.escapeIdentifier(table)} IN ACCESS EXCLUSIVE MODE`);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await locker.query('COMMIT').catch(() => undefined);
      await locker.end().catch(() => undefined);
    },
  };
}
