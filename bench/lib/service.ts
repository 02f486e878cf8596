import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type PgServer, dropDatabase, pgQuery } from './bench-database.js';
import { deleteRedisKeys, http, onCleanup, waitForReady } from './harness.js';
import { type MemorySummary, RssSampler } from './memory.js';
import { ServiceProcess, freePort } from './process.js';

/**
 * The service as bench/backup.ts starts it, for the other benches: the API and one worker from dist/, a fresh
 * metadata database, queue prefix and storage directory, and cleanup of all three registered with onCleanup.
 */

export interface ServiceOptions {
  /** Repository root (the processes' working directory). */
  root: string;
  /** The compiled service (dist/). */
  dist: string;
  pg: PgServer;
  redisUrl: string;
  /** The storage directory is made inside it. */
  tmp: string;
  /** Worker at debug level instead of info. */
  trace: boolean;
  startupTimeoutMs: number;
  log: (line: string) => void;
  /** Added to both processes' environment. */
  env?: NodeJS.ProcessEnv;
}

export interface Service {
  url: string;
  api: ServiceProcess;
  worker: ServiceProcess;
  /** Sent with every request (ADMIN_API_KEY as a Bearer key). */
  auth: Record<string, string>;
  /** The metadata database (migrated by the API at start-up). */
  metaDb: string;
  storageDir: string;
  /** Unique to this start: used in the metadata database name and the queue prefix. */
  id: string;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { dist, pg, log } = options;
  if (!existsSync(path.join(dist, 'main.js')) || !existsSync(path.join(dist, 'worker.js'))) {
    throw new Error(`${dist}/main.js or worker.js is missing: build the service first (npm run build)`);
  }
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const metaDb = `bench_meta_${id}`;
  const prefix = `bench-${id}`;
  const storageDir = path.join(options.tmp, 'storage');
  await mkdir(storageDir, { recursive: true });
  onCleanup(`drop metadata database ${metaDb}`, () => dropDatabase(pg, metaDb));
  onCleanup(`delete Redis keys ${prefix}:*`, async () => {
    const deleted = await deleteRedisKeys(options.redisUrl, `${prefix}:*`);
    log(`[cleanup] deleted ${deleted} Redis keys ${prefix}:*`);
  });

  const adminKey = `dbb_bench_${randomBytes(24).toString('base64url')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const common: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    NODE_ENV: 'test',
    DATABASE_URL: `postgres://${encodeURIComponent(pg.user)}@${pg.host}:${pg.port}/${metaDb}`,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    STORAGE_DIR: storageDir,
    WORKER_CONCURRENCY: '1',
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: adminKey,
    ...options.env,
  };
  log(`[service] starting API on ${url} and one worker from ${path.relative(options.root, dist) || dist}/ (metadata ${metaDb}, prefix ${prefix})`);
  const api = ServiceProcess.start('API', process.execPath, [path.join(dist, 'main.js')], { ...common, PORT: String(port), LOG_LEVEL: 'warn' }, options.root);
  onCleanup('stop the API', () => api.stop());
  // The worker announces itself at info level ("Worker <pid> consuming backup jobs"), hence info rather than warn.
  const worker = ServiceProcess.start(
    'worker',
    process.execPath,
    [path.join(dist, 'worker.js')],
    { ...common, LOG_LEVEL: options.trace ? 'debug' : 'info' },
    options.root,
  );
  onCleanup('stop the worker', () => worker.stop());

  await Promise.all([
    waitForReady(api, url, options.startupTimeoutMs),
    worker.waitForOutput(/consuming backup jobs/, options.startupTimeoutMs),
  ]);
  log(`[service] ready (API pid ${api.pid}, worker pid ${worker.pid})`);
  return { url, api, worker, auth: { authorization: `Bearer ${adminKey}` }, metaDb, storageDir, id };
}

export interface Registration {
  name: string;
  database: string;
  compression?: 'zstd' | 'gzip' | 'none';
}

/** POST /databases on the bench's PostgreSQL server; returns the status and, on 201, the databaseId. */
export async function registerDatabase(
  service: Service,
  pg: PgServer,
  registration: Registration,
): Promise<{ status: number; databaseId?: string; text: string }> {
  const answer = await http<{ databaseId?: string | number }>(
    `${service.url}/databases`,
    'POST',
    {
      name: registration.name,
      engine: 'postgres',
      host: pg.host,
      port: pg.port,
      database: registration.database,
      username: pg.user,
      password: 'x',
      compression: registration.compression ?? 'zstd',
    },
    service.auth,
  );
  const databaseId = answer.status === 201 && answer.body?.databaseId !== undefined ? String(answer.body.databaseId) : undefined;
  return { status: answer.status, databaseId, text: answer.text };
}

/** GET /backups/:id as the bench reads it; the fields a newer service adds are optional. */
export interface BackupDetails {
  backupId?: string;
  status?: string;
  error?: string | null;
  sizeBytes?: number | null;
  fileLocation?: string | null;
  compression?: string;
  toolVersion?: string | null;
  manifest?: unknown;
  warnings?: unknown;
  [field: string]: unknown;
}

export interface TimedBackup {
  backupId: string;
  seconds: number;
  details: BackupDetails;
  memory: MemorySummary | undefined;
}

/**
 * One backup through the API, timed from the POST to the first long-poll answer that says `success`
 * (`GET /backups/:id?waitSeconds=N`, which the API answers as soon as the worker announces the outcome).
 * Throws on a refused POST, a `failed` backup, a dead worker or the time limit. The backup is kept.
 */
export async function timedServiceBackup(
  service: Service,
  databaseId: string,
  options: { timeoutMs: number; waitSeconds: number; sampleMs?: number; trace?: (line: string) => void },
): Promise<TimedBackup> {
  const sampler = await RssSampler.start(service.worker.pid!, options.sampleMs ?? 100);
  let memory: MemorySummary | undefined;
  try {
    const started = performance.now();
    options.trace?.(`[trace] POST /backups at ${Date.now()}`);
    const triggered = await http<{ backupId?: string }>(`${service.url}/backups`, 'POST', { databaseId }, service.auth);
    if (triggered.status !== 202 || !triggered.body?.backupId) {
      throw new Error(`POST /backups answered ${triggered.status}, expected 202 with a backupId: ${triggered.text.slice(0, 1000)}`);
    }
    const backupId = String(triggered.body.backupId);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const polled = await http<BackupDetails>(`${service.url}/backups/${backupId}?waitSeconds=${options.waitSeconds}`, 'GET', undefined, service.auth);
      if (polled.status !== 200) throw new Error(`GET /backups/${backupId} answered ${polled.status}: ${polled.text.slice(0, 1000)}`);
      if (polled.body.status === 'success') {
        const seconds = (performance.now() - started) / 1000;
        options.trace?.(`[trace] success seen at ${Date.now()}\n[trace] worker output:\n${service.worker.tail(6000)}`);
        memory = await sampler.stop();
        return { backupId, seconds, details: polled.body, memory };
      }
      if (polled.body.status === 'failed') {
        throw new Error(`backup ${backupId} failed: ${polled.body.error ?? '(no error recorded)'}\nworker output:\n${service.worker.tail()}`);
      }
      if (service.worker.exited) throw new Error(`the worker exited (${service.worker.exitStatus()}) during backup ${backupId}:\n${service.worker.tail()}`);
      if (Date.now() > deadline) throw new Error(`backup ${backupId} still ${polled.body.status} after ${options.timeoutMs / 1000} s`);
    }
  } finally {
    if (!memory) await sampler.stop();
  }
}

/** DELETE /backups/:id; logs (does not throw) when the API does not answer 204. */
export async function deleteBackup(service: Service, backupId: string, log: (line: string) => void): Promise<void> {
  const removed = await http(`${service.url}/backups/${backupId}`, 'DELETE', undefined, service.auth);
  if (removed.status !== 204) log(`[service] warning: DELETE /backups/${backupId} answered ${removed.status}: ${removed.text.slice(0, 300)}`);
}

/** GET /restores/:id as the bench reads it; `verification` and `asideDatabase` come with the fresh-database restores. */
export interface RestoreDetails {
  restoreId?: string;
  status?: string;
  error?: string | null;
  toolVersion?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  verification?: unknown;
  asideDatabase?: string | null;
  [field: string]: unknown;
}

export interface TimedRestore {
  restoreId: string;
  seconds: number;
  details: RestoreDetails;
  memory: MemorySummary | undefined;
}

/**
 * One restore through the API, timed from `POST /backups/:backupId/restore` to the first long-poll answer of
 * `GET /restores/:id?waitSeconds=N` that says `success`. `onRestoreId` hears the id as soon as the POST is answered
 * (so what the restore leaves behind can be cleaned up even if it fails). Throws on a refused POST, a `failed`
 * restore (with its error), a dead worker or the time limit.
 */
export async function timedServiceRestore(
  service: Service,
  backupId: string,
  body: Record<string, unknown>,
  options: {
    timeoutMs: number;
    waitSeconds: number;
    sampleMs?: number;
    onRestoreId?: (restoreId: string) => void;
    trace?: (line: string) => void;
  },
): Promise<TimedRestore> {
  const sampler = await RssSampler.start(service.worker.pid!, options.sampleMs ?? 100);
  let memory: MemorySummary | undefined;
  try {
    const started = performance.now();
    options.trace?.(`[trace] POST /backups/${backupId}/restore at ${Date.now()}`);
    const triggered = await http<{ restoreId?: string | number }>(`${service.url}/backups/${backupId}/restore`, 'POST', body, service.auth);
    if (triggered.status !== 202 || triggered.body?.restoreId === undefined) {
      throw new Error(`POST /backups/${backupId}/restore answered ${triggered.status}, expected 202 with a restoreId: ${triggered.text.slice(0, 1000)}`);
    }
    const restoreId = String(triggered.body.restoreId);
    options.onRestoreId?.(restoreId);
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const polled = await http<RestoreDetails>(`${service.url}/restores/${restoreId}?waitSeconds=${options.waitSeconds}`, 'GET', undefined, service.auth);
      if (polled.status !== 200) throw new Error(`GET /restores/${restoreId} answered ${polled.status}: ${polled.text.slice(0, 1000)}`);
      if (polled.body.status === 'success') {
        const seconds = (performance.now() - started) / 1000;
        options.trace?.(`[trace] success seen at ${Date.now()}\n[trace] worker output:\n${service.worker.tail(6000)}`);
        memory = await sampler.stop();
        return { restoreId, seconds, details: polled.body, memory };
      }
      if (polled.body.status === 'failed') {
        throw new Error(
          `restore ${restoreId} failed: ${polled.body.error ?? '(no error recorded)'}` +
            (polled.body.verification !== undefined ? `\nverification: ${JSON.stringify(polled.body.verification).slice(0, 2000)}` : '') +
            `\nworker output:\n${service.worker.tail()}`,
        );
      }
      if (service.worker.exited) throw new Error(`the worker exited (${service.worker.exitStatus()}) during restore ${restoreId}:\n${service.worker.tail()}`);
      if (Date.now() > deadline) throw new Error(`restore ${restoreId} still ${polled.body.status} after ${options.timeoutMs / 1000} s`);
    }
  } finally {
    if (!memory) await sampler.stop();
  }
}

/** Where the stored file of a backup is: its fileLocation, else STORAGE_DIR/<storage_key> from the metadata. */
export async function storedBackupFile(service: Service, pg: PgServer, backupId: string, fileLocation: string | null | undefined): Promise<string> {
  if (fileLocation && existsSync(fileLocation)) return fileLocation;
  const [row] = await pgQuery<{ storage_key: string | null }>(pg, service.metaDb, 'SELECT storage_key FROM backups WHERE id = $1', [backupId]);
  const fromKey = row?.storage_key ? path.resolve(service.storageDir, row.storage_key) : undefined;
  if (fromKey && existsSync(fromKey)) return fromKey;
  throw new Error(`the stored file of backup ${backupId} was not found (fileLocation ${fileLocation ?? 'null'}, storage key ${row?.storage_key ?? 'null'})`);
}
