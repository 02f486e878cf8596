import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { asideDatabaseName, freshDatabaseName } from '../../src/restores/restore-names.js';
import { dropMysqlDatabase } from './mysql.js';
import { dropDatabase, runTool, withClient } from './postgres.js';

export const PG_HOST = process.env.TEST_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.TEST_PG_PORT ?? 5432);
export const PG_USER = process.env.TEST_PG_USER ?? 'postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Everything one test file owns on the shared servers: a metadata database, a queue prefix, a storage dir. */
export interface TestEnv {
  id: string;
  metadataDatabase: string;
  storageDir: string;
  queuePrefix: string;
  /** The admin API key the services are started with. */
  adminKey: string;
  /** Environment for the API and worker processes. */
  vars: Record<string, string>;
  /** Names of extra databases the test created, dropped at cleanup. */
  ownedDatabases: string[];
  cleanup(): Promise<void>;
}

export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const metadataDatabase = `dbbackup_test_${id}`;
  const storageDir = await mkdtemp(path.join(tmpdir(), `dbbackup-test-${id}-`));
  const queuePrefix = `test-${id}`;
  const ownedDatabases: string[] = [metadataDatabase];
  const adminKey = `dbb_test_${randomBytes(24).toString('base64url')}`;
  const vars: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${metadataDatabase}`,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_DIR: storageDir,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: adminKey,
    // Never throttled here (one file fires 2,000 requests at once); the rate-limit test sets its own.
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...overrides,
  };
  return {
    id,
    metadataDatabase,
    storageDir,
    queuePrefix,
    adminKey: vars.ADMIN_API_KEY ?? adminKey,
    vars,
    ownedDatabases,
    cleanup: async () => {
      await deleteRedisKeys(REDIS_URL, `${queuePrefix}:*`);
      await dropAsideDatabases(metadataDatabase);
      for (const name of ownedDatabases) await dropDatabase(name);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The databases the env's restores set aside (kept for days by default) are dropped with the env. */
async function dropAsideDatabases(metadataDatabase: string): Promise<void> {
  const asides = await withClient(metadataDatabase, (c) =>
    c.query<{ name: string; engine: string }>(
      `SELECT r.aside_database AS name, d.engine FROM restores r JOIN databases d ON d.id = r.target_database_id
        WHERE r.aside_database IS NOT NULL AND r.aside_dropped_at IS NULL`,
    ),
  ).catch(() => ({ rows: [] as Array<{ name: string; engine: string }> }));
  for (const { name, engine } of asides.rows) {
    await (engine === 'postgres' ? dropDatabase(name) : dropMysqlDatabase(name)).catch(() => undefined);
  }
}

export async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function listRedisKeys(url: string, pattern: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await redis.keys(pattern);
  } finally {
    redis.disconnect();
  }
}

/** A registration body for a PostgreSQL database on the shared server (password ignored there: trust auth). */
export function postgresRegistration(name: string, database: string, overrides: Record<string, unknown> = {}) {
  return { name, engine: 'postgres', host: PG_HOST, port: PG_PORT, database, username: PG_USER, password: 'x', ...overrides };
}

/** The databases a restore made on the PostgreSQL server (its fresh copies, its aside database) that still exist. */
export async function restoreDatabasesOf(env: TestEnv, restoreId: string): Promise<{ fresh: string[]; aside: string[] }> {
  const { rows: restores } = await withClient(env.metadataDatabase, (c) => c.query('SELECT requested_at FROM restores WHERE id = $1', [restoreId]));
  const identity = { id: restoreId, requestedAt: restores[0].requested_at as Date };
  const candidates = [asideDatabaseName(identity), ...[1, 2, 3, 4].map((attempt) => freshDatabaseName(identity, attempt))];
  const { rows } = await withClient('postgres', (c) =>
    c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY 1', [candidates]),
  );
  const names = rows.map((row) => row.datname);
  return { fresh: names.filter((name) => name !== candidates[0]), aside: names.filter((name) => name === candidates[0]) };
}

/** The stored files of a successful backup: its catalog sidecar and its dump (sorted, as storedFiles lists them). */
export function backupFileKeys(dumpKey: string): string[] {
  const encrypted = dumpKey.endsWith('.enc');
  const catalogKey = dumpKey.replace(/\.(dump|sql)(\.[a-z]+)*$/, `.catalog.json${encrypted ? '.enc' : ''}`);
  return [catalogKey, dumpKey].sort();
}

/** Every file under the storage directory, as paths relative to it, sorted. */
export async function storedFiles(env: TestEnv): Promise<string[]> {
  const entries = await readdir(env.storageDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(env.storageDir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The backup's row as PostgreSQL holds it (snake_case columns, attempt included), or undefined. */
export async function backupRow(env: TestEnv, backupId: string): Promise<Record<string, any> | undefined> {
  const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT * FROM backups WHERE id = $1', [backupId]));
  return rows[0];
}

/**
 * Mounts a tmpfs on `directory` (created if missing): `ro` for storage that cannot be written, `size=…` for storage
 * that fills up. Needs root (CAP_SYS_ADMIN), as the end-to-end tests run in CI. Returns the unmount.
 */
export async function mountTmpfs(directory: string, options: string): Promise<() => Promise<void>> {
  await mkdir(directory, { recursive: true });
  await runTool('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', directory]);
  return () => runTool('umount', ['--lazy', directory]).then(() => undefined);
}
