/**
 * Backup benchmark: the service (API + one worker, from dist/) against the shell pipelines people use, on a
 * generated PostgreSQL database of about 800 MiB. Writes bench/results/backup.md and bench/results/backup.json.
 *
 *   npm run bench:backup              builds dist/ and dist-bench/, then runs this file
 *
 * Environment (all optional):
 *   BENCH_ROUNDS=3            timed rounds; each round runs every method once, in a rotated order
 *   BENCH_DB_MB=800           size of the bench database in MiB (pg_database_size); named bench_backup_<N>mb
 *   BENCH_DROP=1              drop the bench database at the end (by default it is kept so re-runs skip generation)
 *   BENCH_PG_HOST/PORT/USER   PostgreSQL server (127.0.0.1, 5432, postgres; trust authentication)
 *   BENCH_REDIS_URL           Redis for the service's queue (redis://127.0.0.1:6379)
 *   BENCH_TMPDIR              where backup files are written (os.tmpdir())
 *   BENCH_DIST=dist           compiled service to start
 *   BENCH_BACKUP_TIMEOUT_S=600  time limit of one service backup
 *   BENCH_TRACE=1             worker logs at debug level, printed after each service backup
 *
 * See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, ensureBenchDatabase } from './lib/bench-database.js';
import { type MemorySummary, RssSampler, readMemory } from './lib/memory.js';
import { cleanup, deleteRedisKeys, errorMessage, http, onCleanup, waitForReady } from './lib/harness.js';
import { ServiceProcess, freePort, sleep, timeBash } from './lib/process.js';
import {
  type BenchResults,
  type MethodId,
  type MethodResult,
  renderMarkdown,
  renderSummary,
} from './lib/report.js';
import { BACKUP_TIMEOUT_MS, BENCH_DB, DB_MB, DIST, DROP_AT_END, PG, REDIS_URL, RESULTS_DIR, ROOT, ROUNDS, TMP_BASE, TRACE } from './lib/bench-config.js';
import { machineInfo } from './lib/machine.js';
import { MiB, rotate, summarize, toMiB } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------- configuration


const WAIT_SECONDS = 60;
const SAMPLE_MS = 100;
const STARTUP_TIMEOUT_MS = 90_000;
/** The API requires a key (ADMIN_API_KEY) once authentication is on; sent with every request. */
const ADMIN_KEY = `dbb_bench_${randomBytes(24).toString('base64url')}`;
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------- helpers

/** What a file starts with: tells whether the service really stored zstd. */
async function fileFormat(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.toString('latin1') === 'PGDMP') return 'pg_dump custom, uncompressed';
    return `unknown (${head.toString('hex')})`;
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------- the service

interface Service {
  url: string;
  api: ServiceProcess;
  worker: ServiceProcess;
  databaseId: string;
}

/** A fresh metadata database, queue prefix and storage directory; the API and one worker; the bench database registered. */
async function startService(tmp: string): Promise<Service> {
  if (!existsSync(path.join(DIST, 'main.js')) || !existsSync(path.join(DIST, 'worker.js'))) {
    throw new Error(`${DIST}/main.js or worker.js is missing: build the service first (npm run build)`);
  }
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const metaDb = `bench_meta_${id}`;
  const prefix = `bench-${id}`;
  const storageDir = path.join(tmp, 'storage');
  await mkdir(storageDir, { recursive: true });
  onCleanup(`drop metadata database ${metaDb}`, () => dropDatabase(PG, metaDb));
  onCleanup(`delete Redis keys ${prefix}:*`, async () => {
    const deleted = await deleteRedisKeys(REDIS_URL, `${prefix}:*`);
    log(`[cleanup] deleted ${deleted} Redis keys ${prefix}:*`);
  });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const common: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    NODE_ENV: 'test',
    DATABASE_URL: `postgres://${encodeURIComponent(PG.user)}@${PG.host}:${PG.port}/${metaDb}`,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    STORAGE_DIR: storageDir,
    WORKER_CONCURRENCY: '1',
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: ADMIN_KEY,
  };
  log(`[service] starting API on ${url} and one worker from ${path.relative(ROOT, DIST) || DIST}/ (metadata ${metaDb}, prefix ${prefix})`);
  const api = ServiceProcess.start('API', process.execPath, [path.join(DIST, 'main.js')], { ...common, PORT: String(port), LOG_LEVEL: 'warn' }, ROOT);
  onCleanup('stop the API', () => api.stop());
  // The worker announces itself at info level ("Worker <pid> consuming backup jobs"), hence info rather than warn.
  const worker = ServiceProcess.start('worker', process.execPath, [path.join(DIST, 'worker.js')], { ...common, LOG_LEVEL: TRACE ? 'debug' : 'info' }, ROOT);
  onCleanup('stop the worker', () => worker.stop());

  await Promise.all([waitForReady(api, url, STARTUP_TIMEOUT_MS), worker.waitForOutput(/consuming backup jobs/, STARTUP_TIMEOUT_MS)]);
  log(`[service] ready (API pid ${api.pid}, worker pid ${worker.pid})`);

  const registration = await http<{ databaseId?: string | number }>(`${url}/databases`, 'POST', {
    name: BENCH_DB,
    engine: 'postgres',
    host: PG.host,
    port: PG.port,
    database: BENCH_DB,
    username: PG.user,
    password: 'x',
    compression: 'zstd',
  }, AUTH);
  if (registration.status !== 201 || registration.body?.databaseId === undefined) {
    throw new Error(`POST /databases answered ${registration.status}, expected 201 with a databaseId: ${registration.text.slice(0, 1000)}`);
  }
  return { url, api, worker, databaseId: String(registration.body.databaseId) };
}

interface BackupDetails {
  status?: string;
  error?: string | null;
  sizeBytes?: number | null;
  fileLocation?: string | null;
  compression?: string;
  toolVersion?: string | null;
}

interface ServiceRun {
  seconds: number;
  sizeBytes: number;
  details: BackupDetails;
  memory: MemorySummary | undefined;
  fileFormat: string;
}

/** One backup through the API, timed from the POST to the first poll that sees success. */
async function serviceBackup(service: Service): Promise<ServiceRun> {
  const pid = service.worker.pid!;
  const sampler = await RssSampler.start(pid, SAMPLE_MS);
  let seconds: number;
  let details: BackupDetails;
  let backupId: string;
  let memory: MemorySummary | undefined;
  try {
    const started = performance.now();
    if (TRACE) log(`[trace] POST at ${Date.now()}`);
    const triggered = await http<{ backupId?: string }>(`${service.url}/backups`, 'POST', { databaseId: service.databaseId }, AUTH);
    if (triggered.status !== 202 || !triggered.body?.backupId) {
      throw new Error(`POST /backups answered ${triggered.status}, expected 202 with a backupId: ${triggered.text.slice(0, 1000)}`);
    }
    backupId = triggered.body.backupId;
    const deadline = Date.now() + BACKUP_TIMEOUT_MS;
    for (;;) {
      // Long-poll: the API answers as soon as the worker announces the outcome, with no polling load.
      const polled = await http<BackupDetails>(`${service.url}/backups/${backupId}?waitSeconds=${WAIT_SECONDS}`, 'GET', undefined, AUTH);
      if (polled.status !== 200) throw new Error(`GET /backups/${backupId} answered ${polled.status}: ${polled.text.slice(0, 1000)}`);
      if (polled.body.status === 'success') {
        seconds = (performance.now() - started) / 1000;
        if (TRACE) log(`[trace] success seen at ${Date.now()}`);
        details = polled.body;
        if (TRACE) log(`[trace] worker output:\n${service.worker.tail(6000)}`);
        break;
      }
      if (polled.body.status === 'failed') {
        throw new Error(`backup ${backupId} failed: ${polled.body.error ?? '(no error recorded)'}\nworker output:\n${service.worker.tail()}`);
      }
      if (service.worker.exited) throw new Error(`the worker exited (${service.worker.exitStatus()}) during backup ${backupId}:\n${service.worker.tail()}`);
      if (Date.now() > deadline) throw new Error(`backup ${backupId} still ${polled.body.status} after ${BACKUP_TIMEOUT_MS / 1000} s`);
    }
  } finally {
    memory = await sampler.stop();
  }
  const format = details.fileLocation && existsSync(details.fileLocation) ? await fileFormat(details.fileLocation) : 'n/a';
  const removed = await http(`${service.url}/backups/${backupId}`, 'DELETE', undefined, AUTH);
  if (removed.status !== 204) log(`[service] warning: DELETE /backups/${backupId} answered ${removed.status}: ${removed.text.slice(0, 300)}`);
  return { seconds, sizeBytes: Number(details.sizeBytes ?? NaN), details, memory, fileFormat: format };
}

// ---------------------------------------------------------------------------------------------- the shell pipelines

const SHELL_COMMANDS: Record<Exclude<MethodId, 'service'>, string> = {
  'shell-zstd': `pg_dump -Fc -Z0 -h ${PG.host} -p ${PG.port} -U ${PG.user} ${BENCH_DB} | zstd -1 -T0 > "$OUT"`,
  // What the service also guarantees: the file's sha256 and an fsync before it is declared done.
  'shell-zstd-durable': `pg_dump -Fc -Z0 -h ${PG.host} -p ${PG.port} -U ${PG.user} ${BENCH_DB} | zstd -1 -T0 | tee "$OUT" | sha256sum > "$OUT.sha256" && sync "$OUT"`,
  'pg-dump-default': `pg_dump -Fc -h ${PG.host} -p ${PG.port} -U ${PG.user} ${BENCH_DB} > "$OUT"`,
};

async function shellBackup(id: Exclude<MethodId, 'service'>, out: string): Promise<{ seconds: number; sizeBytes: number }> {
  try {
    const seconds = await timeBash(SHELL_COMMANDS[id], { ...process.env, OUT: out });
    return { seconds, sizeBytes: (await stat(out)).size };
  } finally {
    await rm(out, { force: true });
    await rm(`${out}.sha256`, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  if (!/^[a-z0-9_]+$/.test(BENCH_DB)) throw new Error(`bad database name ${BENCH_DB}`);
  const startedAt = new Date().toISOString();
  log(`[bench] backup benchmark: ${ROUNDS} round(s), database ${BENCH_DB}`);
  const machine = await machineInfo(PG);
  log(`[bench] ${machine.cpus} CPU, ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, ${machine.postgresVersion.split(' on ')[0]}, ${machine.pgDump}, zstd ${machine.zstd}, Node ${machine.node}`);

  if (DROP_AT_END) onCleanup(`drop ${BENCH_DB} (BENCH_DROP=1)`, () => dropDatabase(PG, BENCH_DB));
  const database = await ensureBenchDatabase(PG, BENCH_DB, DB_MB * MiB, Math.min(2, os.availableParallelism()), log);

  const tmp = await mkdtemp(path.join(TMP_BASE, 'bench-backup-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  const shellDir = path.join(tmp, 'shell');
  await mkdir(shellDir);

  const methods: MethodResult[] = [
    {
      id: 'service',
      label: 'Service (API + worker: pg_dump -Fc -Z0 → zstd -1 -T0 → file, sha256 behind)',
      command: `POST /backups, then GET /backups/:id?waitSeconds=${WAIT_SECONDS} (answered when the worker announces the outcome)`,
      runs: [],
    },
    { id: 'shell-zstd', label: 'Shell: pg_dump -Fc -Z0 | zstd -1 -T0', command: SHELL_COMMANDS['shell-zstd'], runs: [] },
    {
      id: 'shell-zstd-durable',
      label: 'Shell, as durable as the service: … | zstd -1 -T0 | tee file | sha256sum; sync file',
      command: SHELL_COMMANDS['shell-zstd-durable'],
      runs: [],
    },
    { id: 'pg-dump-default', label: 'Shell: pg_dump -Fc (default gzip)', command: SHELL_COMMANDS['pg-dump-default'], runs: [] },
  ];
  const method = (id: MethodId) => methods.find((m) => m.id === id)!;

  const serviceInfo: BenchResults['service'] = { ok: false, dist: path.relative(ROOT, DIST) || DIST };
  let service: Service | undefined;
  try {
    service = await startService(tmp);
  } catch (error) {
    serviceInfo.error = `start-up failed: ${errorMessage(error)}`;
    method('service').error = serviceInfo.error;
    log(`[service] ${serviceInfo.error}`);
    log('[service] continuing with the shell pipelines only');
  }

  log('[bench] warm-up: shell zstd pipeline (not counted)');
  const warm = await shellBackup('shell-zstd', path.join(shellDir, 'warmup.dump.zst'));
  const warmup = { method: 'shell-zstd' as const, ...warm };
  log(`[bench] warm-up: ${warm.seconds.toFixed(2)} s, ${toMiB(warm.sizeBytes)} MiB`);

  if (service) {
    await sleep(2000);
    serviceInfo.workerIdleRssBytes = (await readMemory(service.worker.pid!))?.rss;
    log(`[service] worker idle RSS ${toMiB(serviceInfo.workerIdleRssBytes ?? NaN)} MiB`);
  }

  const order: MethodId[] = ['service', 'shell-zstd', 'shell-zstd-durable', 'pg-dump-default'];
  for (let round = 1; round <= ROUNDS; round++) {
    const thisRound = rotate(order, round - 1);
    log(`[bench] round ${round}/${ROUNDS}: ${thisRound.join(', ')}`);
    for (const [index, id] of thisRound.entries()) {
      const position = index + 1;
      if (id === 'service') {
        if (!service || method('service').error) continue;
        try {
          const result = await serviceBackup(service);
          method('service').runs.push({
            round,
            position,
            seconds: result.seconds,
            sizeBytes: result.sizeBytes,
            memory: result.memory,
            fileFormat: result.fileFormat,
          });
          serviceInfo.toolVersion = result.details.toolVersion ?? undefined;
          serviceInfo.compression = result.details.compression;
          serviceInfo.hwmIsPerRun = result.memory?.hwmIsPerRun;
          if (result.details.compression !== 'zstd' || result.fileFormat !== 'zstd') {
            log(`[service] warning: stored compression ${result.details.compression}, file format ${result.fileFormat} (expected zstd)`);
          }
          const peak = Math.max(result.memory?.hwm ?? NaN, result.memory?.maxSampledRss ?? NaN);
          log(`  service          ${result.seconds.toFixed(2)} s, ${toMiB(result.sizeBytes)} MiB, worker peak RSS ${toMiB(peak)} MiB`);
        } catch (error) {
          method('service').error = errorMessage(error);
          log(`[service] FAILED: ${method('service').error}`);
          log('[service] no further service runs; continuing with the shell pipelines');
        }
        continue;
      }
      const out = path.join(shellDir, `${id}-round${round}.dump${id.startsWith('shell-zstd') ? '.zst' : ''}`);
      try {
        const result = await shellBackup(id, out);
        method(id).runs.push({ round, position, ...result });
        log(`  ${id.padEnd(16)} ${result.seconds.toFixed(2)} s, ${toMiB(result.sizeBytes)} MiB`);
      } catch (error) {
        method(id).error = errorMessage(error);
        log(`[bench] ${id} FAILED: ${method(id).error}`);
      }
    }
  }

  if (service && !service.worker.exited) {
    await sleep(1000);
    serviceInfo.workerRssAfterBytes = (await readMemory(service.worker.pid!))?.rss;
  }

  for (const m of methods) {
    m.time = summarize(m.runs.map((r) => r.seconds));
    m.sizeBytes = summarize(m.runs.map((r) => r.sizeBytes));
  }
  serviceInfo.ok = Boolean(service) && !method('service').error && method('service').runs.length === ROUNDS;
  if (!serviceInfo.ok && !serviceInfo.error) serviceInfo.error = method('service').error;

  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    database,
    rounds: ROUNDS,
    warmup,
    methods,
    service: serviceInfo,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'backup.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'backup.md'), renderMarkdown(results));
  log('');
  log(renderSummary(results));
  log('');
  log(`[bench] wrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'backup.md'))} and backup.json`);
  const failed = methods.filter((m) => m.error);
  if (failed.length) log(`[bench] FAILED: ${failed.map((m) => `${m.id}: ${m.error!.split('\n')[0]}`).join('; ')}`);
  return failed.length ? 1 : 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
