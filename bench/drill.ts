/**
 * Drill benchmark: a restore drill through the service (API + one worker from dist/, a sandbox on the local
 * PostgreSQL server) against `pg_restore` of the same stored file alone, for the Chinook fixture and a ~200 MiB
 * generated database. Writes bench/results/drill.md and drill.json.
 *
 *   npm run bench:drill            builds dist/ and dist-bench/, then runs this file
 *
 * For each database: one backup through the API (zstd), then BENCH_ROUNDS rounds (default 2), the order rotated:
 *   - drill: POST /databases/:id/drills {sandboxId} → GET /drills/:id?waitSeconds=60 until success; the drill's own
 *     restoreTimeSeconds (scratch database created → restore tool done) and the wall time POST → success;
 *   - shell: CREATE DATABASE … TEMPLATE template0 (timed apart), then
 *     `zstd -dc FILE | pg_restore --single-transaction --exit-on-error --no-owner --no-privileges --dbname=…`
 *     (the drill's flags: objects owned by the sandbox user, no grants), timed; the database is dropped after.
 * The load average is recorded beside every sample: the machine is shared.
 *
 * Environment (all optional):
 *   BENCH_ROUNDS=2             rounds per database
 *   BENCH_DRILL_DB_MB=200      size of the generated database, named bench_backup_<N>mb (shared with bench:backup)
 *   BENCH_DROP=1               drop the generated database at the end
 *   BENCH_PG_HOST/PORT/USER, BENCH_REDIS_URL, BENCH_TMPDIR, BENCH_DIST, BENCH_BACKUP_TIMEOUT_S, BENCH_TRACE as in
 *   bench/backup.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PgServer, createEmptyDatabase, dropDatabase, ensureBenchDatabase, pgQuery } from './lib/bench-database.js';
import { BACKUP_TIMEOUT_MS, DIST, DROP_AT_END, PG, REDIS_URL, RESULTS_DIR, ROOT, TMP_BASE, TRACE } from './lib/bench-config.js';
import { cleanup, errorMessage, http, intFromEnv, onCleanup } from './lib/harness.js';
import { machineInfo } from './lib/machine.js';
import { run, sleep, timeBash } from './lib/process.js';
import { type Service, registerDatabase, startService, storedBackupFile, timedServiceBackup } from './lib/service.js';
import { MiB, median, rotate, toMiB } from './lib/stats.js';

const ROUNDS = intFromEnv('BENCH_ROUNDS', 2, 1);
const GENERATED_MB = intFromEnv('BENCH_DRILL_DB_MB', 200, 1);
const GENERATED_DB = `bench_backup_${GENERATED_MB}mb`;
const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const CHINOOK_DB = `bench_drill_chinook_${RUN_ID}`;
const SHELL_DB = `bench_drill_shell_${RUN_ID}`;
const DRILL_TIMEOUT_MS = 900_000;
const WAIT_SECONDS = 60;
const STARTUP_TIMEOUT_MS = 90_000;
const CHINOOK_SCRIPT = path.join(ROOT, 'test', 'fixtures', 'chinook-postgres.sql');

const log = (line: string) => console.log(line);
const load1 = () => Math.round(os.loadavg()[0]! * 100) / 100;

const CONN = `-h ${PG.host} -p ${PG.port} -U ${PG.user}`;
/** The drill's pg_restore flags (ownership "restoring-user"), from a pipe as the service feeds it. */
const SHELL_RESTORE = `zstd -dc "$FILE" | pg_restore ${CONN} --no-password --single-transaction --exit-on-error --no-owner --no-privileges --dbname="$DB"`;

// ---------------------------------------------------------------------------------------------- sources

/** The Chinook fixture without its DROP/CREATE DATABASE and \c lines, loaded with psql into a database of our own. */
async function loadChinook(server: PgServer, database: string): Promise<void> {
  const script = (await readFile(CHINOOK_SCRIPT, 'utf8'))
    .split('\n')
    .filter((line) => !/^\s*(DROP DATABASE|CREATE DATABASE|\\c)\b/i.test(line))
    .join('\n');
  const scriptFile = path.join(await mkdtemp(path.join(TMP_BASE, 'bench-chinook-')), 'chinook.sql');
  await writeFile(scriptFile, script);
  try {
    await createEmptyDatabase(server, database);
    const loaded = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--host=${server.host}`, `--port=${server.port}`, `--username=${server.user}`, `--dbname=${database}`, `--file=${scriptFile}`]);
    if (loaded.code !== 0) throw new Error(`psql could not load Chinook: ${loaded.stderr.trim()}`);
  } finally {
    await rm(path.dirname(scriptFile), { recursive: true, force: true });
  }
}

async function databaseSize(database: string): Promise<number> {
  const [row] = await pgQuery<{ size: string }>(PG, 'postgres', 'SELECT pg_database_size($1)::text AS size', [database]);
  return Number(row!.size);
}

// ---------------------------------------------------------------------------------------------- the two methods

interface DrillSample {
  method: 'drill' | 'shell';
  round: number;
  /** drill: restoreTimeSeconds (scratch database created → restore tool done); shell: pg_restore pipeline alone. */
  restoreSeconds: number;
  /** drill: POST → success (choosing, checking, manifest comparison, drop included); shell: CREATE DATABASE + restore. */
  wallSeconds: number;
  /** shell only: CREATE DATABASE … TEMPLATE template0. */
  createSeconds?: number;
  drillId?: string;
  load1Before: number;
  load1After: number;
}

interface DrillDetails {
  status?: string;
  error?: string | null;
  restoreTimeSeconds?: number | null;
  [field: string]: unknown;
}

async function createSandbox(service: Service): Promise<string> {
  const created = await http<{ sandboxId?: string }>(
    `${service.url}/sandboxes`,
    'POST',
    { name: `bench-sandbox-${RUN_ID}`, engine: 'postgres', host: PG.host, port: PG.port, username: PG.user, password: 'x' },
    service.auth,
  );
  if (created.status !== 201 || !created.body?.sandboxId) throw new Error(`POST /sandboxes answered ${created.status}: ${created.text.slice(0, 500)}`);
  return String(created.body.sandboxId);
}

async function timedDrill(service: Service, databaseId: string, sandboxId: string, round: number): Promise<DrillSample> {
  const load1Before = load1();
  const started = performance.now();
  const requested = await http<{ drillId?: string }>(`${service.url}/databases/${databaseId}/drills`, 'POST', { sandboxId }, service.auth);
  if (requested.status !== 202 || !requested.body?.drillId) throw new Error(`POST /databases/${databaseId}/drills answered ${requested.status}: ${requested.text.slice(0, 500)}`);
  const drillId = String(requested.body.drillId);
  const deadline = Date.now() + DRILL_TIMEOUT_MS;
  for (;;) {
    const polled = await http<DrillDetails>(`${service.url}/drills/${drillId}?waitSeconds=${WAIT_SECONDS}`, 'GET', undefined, service.auth);
    if (polled.status !== 200) throw new Error(`GET /drills/${drillId} answered ${polled.status}: ${polled.text.slice(0, 500)}`);
    if (polled.body.status === 'success') {
      const wallSeconds = (performance.now() - started) / 1000;
      if (TRACE) log(`[trace] worker output:\n${service.worker.tail(6000)}`);
      return { method: 'drill', round, restoreSeconds: Number(polled.body.restoreTimeSeconds), wallSeconds, drillId, load1Before, load1After: load1() };
    }
    if (polled.body.status === 'failed') throw new Error(`drill ${drillId} failed: ${polled.body.error ?? '(no error)'}\nworker output:\n${service.worker.tail()}`);
    if (service.worker.exited) throw new Error(`the worker exited (${service.worker.exitStatus()}) during drill ${drillId}:\n${service.worker.tail()}`);
    if (Date.now() > deadline) throw new Error(`drill ${drillId} still ${polled.body.status} after ${DRILL_TIMEOUT_MS / 1000} s`);
  }
}

async function timedShell(file: string, round: number): Promise<DrillSample> {
  const load1Before = load1();
  const created = performance.now();
  await createEmptyDatabase(PG, SHELL_DB);
  const createSeconds = (performance.now() - created) / 1000;
  try {
    const restoreSeconds = await timeBash(SHELL_RESTORE, { ...process.env, FILE: file, DB: SHELL_DB });
    return { method: 'shell', round, restoreSeconds, wallSeconds: createSeconds + restoreSeconds, createSeconds, load1Before, load1After: load1() };
  } finally {
    await dropDatabase(PG, SHELL_DB);
  }
}

// ---------------------------------------------------------------------------------------------- one database

interface SourceResult {
  label: string;
  database: string;
  sizeBytes: number;
  backupId?: string;
  storedBytes?: number;
  backupSeconds?: number;
  samples: DrillSample[];
  error?: string;
}

async function benchSource(service: Service, sandboxId: string, label: string, database: string): Promise<SourceResult> {
  const result: SourceResult = { label, database, sizeBytes: await databaseSize(database), samples: [] };
  try {
    const registered = await registerDatabase(service, PG, { name: `bench-${label.replace(/[^a-z0-9]+/gi, '-')}${RUN_ID}`, database });
    if (!registered.databaseId) throw new Error(`POST /databases answered ${registered.status}: ${registered.text.slice(0, 500)}`);
    const backup = await timedServiceBackup(service, registered.databaseId, { timeoutMs: BACKUP_TIMEOUT_MS, waitSeconds: WAIT_SECONDS });
    Object.assign(result, { backupId: backup.backupId, storedBytes: Number(backup.details.sizeBytes), backupSeconds: backup.seconds });
    const file = await storedBackupFile(service, PG, backup.backupId, backup.details.fileLocation);
    log(`[${label}] backup ${backup.backupId}: ${toMiB(result.storedBytes!)} MiB stored in ${backup.seconds.toFixed(2)} s`);
    const methods = {
      drill: (round: number) => timedDrill(service, registered.databaseId!, sandboxId, round),
      shell: (round: number) => timedShell(file, round),
    };
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const method of rotate(['drill', 'shell'] as const, round - 1)) {
        const sample = await methods[method](round);
        result.samples.push(sample);
        log(`[${label}] round ${round} ${method}: restore ${sample.restoreSeconds.toFixed(3)} s, wall ${sample.wallSeconds.toFixed(3)} s (load ${sample.load1Before})`);
      }
    }
  } catch (error) {
    result.error = errorMessage(error);
    log(`[${label}] failed: ${result.error}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- report

function renderMarkdown(results: { date: string; machine: Awaited<ReturnType<typeof machineInfo>>; loadAfter: number[]; sources: SourceResult[] }): string {
  const m = results.machine;
  const lines = [
    '# Drill restore time benchmark',
    '',
    `Run ${results.date} by \`npm run bench:drill\` (bench/drill.ts), ${ROUNDS} round(s) per database, methods alternated. ` +
      'The 2-core machine was shared with other work (test runs of other branches): the 1-minute load average is given ' +
      'beside every sample; compare samples of the same round.',
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${toMiB(m.totalMemoryBytes, 0)} MiB; ${m.postgresVersion.split(' on ')[0]}; ${m.pgRestore}; zstd ${m.zstd}; ` +
      `Node ${m.node}. Load average (1, 5, 15 min) at the start / end: ${m.loadAverage.map((v) => v.toFixed(2)).join(' ')} / ` +
      `${results.loadAfter.map((v) => v.toFixed(2)).join(' ')}.`,
    '',
    '- **drill restoreTimeSeconds**: what the drill records (scratch database created → restore tool done), read from `GET /drills/:id`.',
    '- **drill wall**: `POST /databases/:id/drills` → the `success` answer (catalog and file check, pre-flight, restore, manifest comparison, drop of the scratch database).',
    '- **pg_restore alone**: `zstd -dc FILE | pg_restore --single-transaction --exit-on-error --no-owner --no-privileges` ' +
      'of the same stored file into an empty database; **shell wall** adds its `CREATE DATABASE … TEMPLATE template0`.',
    '',
    '| Database | Size (pg_database_size) | Stored file | Drill restoreTimeSeconds (median) | pg_restore alone (median) | Ratio | Drill wall | Shell wall |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const source of results.sources) {
    const pick = (method: DrillSample['method'], field: 'restoreSeconds' | 'wallSeconds') =>
      source.samples.filter((s) => s.method === method).map((s) => s[field]);
    const drill = pick('drill', 'restoreSeconds');
    const shell = pick('shell', 'restoreSeconds');
    const fmt = (values: number[]) => (values.length ? `${median(values).toFixed(3)} s` : 'n/a');
    const ratio = drill.length && shell.length ? `${(median(drill) / median(shell)).toFixed(2)}×` : 'n/a';
    lines.push(
      `| ${source.label} | ${toMiB(source.sizeBytes)} MiB | ${source.storedBytes ? `${toMiB(source.storedBytes, 2)} MiB` : 'n/a'} | ${fmt(drill)} | ${fmt(shell)} | ${ratio} | ` +
        `${fmt(pick('drill', 'wallSeconds'))} | ${fmt(pick('shell', 'wallSeconds'))} |`,
    );
  }
  lines.push('', '## Every sample', '', '| Database | Round | Method | Restore (s) | Wall (s) | Load average (1 min) before → after |', '|---|---:|---|---:|---:|---|');
  for (const source of results.sources) {
    for (const s of source.samples) {
      lines.push(
        `| ${source.label} | ${s.round} | ${s.method === 'drill' ? `drill ${s.drillId}` : `shell (CREATE DATABASE ${s.createSeconds!.toFixed(3)} s)`} | ` +
          `${s.restoreSeconds.toFixed(3)} | ${s.wallSeconds.toFixed(3)} | ${s.load1Before.toFixed(2)} → ${s.load1After.toFixed(2)} |`,
      );
    }
    if (source.error) lines.push('', `${source.label} failed: \`${source.error.split('\n')[0]}\``);
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const machine = await machineInfo(PG);
  const tmp = await mkdtemp(path.join(TMP_BASE, 'bench-drill-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  await mkdir(tmp, { recursive: true });

  log(`[data] loading Chinook into ${CHINOOK_DB}`);
  onCleanup(`drop ${CHINOOK_DB}`, () => dropDatabase(PG, CHINOOK_DB));
  await loadChinook(PG, CHINOOK_DB);
  await ensureBenchDatabase(PG, GENERATED_DB, GENERATED_MB * MiB, 2, log);
  if (DROP_AT_END) onCleanup(`drop ${GENERATED_DB}`, () => dropDatabase(PG, GENERATED_DB));
  onCleanup(`drop ${SHELL_DB}`, () => dropDatabase(PG, SHELL_DB));

  const service = await startService({ root: ROOT, dist: DIST, pg: PG, redisUrl: REDIS_URL, tmp, trace: TRACE, startupTimeoutMs: STARTUP_TIMEOUT_MS, log });
  const sandboxId = await createSandbox(service);
  const sources = [
    await benchSource(service, sandboxId, 'Chinook (test/fixtures)', CHINOOK_DB),
    await benchSource(service, sandboxId, `generated ${GENERATED_MB} MiB (${GENERATED_DB})`, GENERATED_DB),
  ];

  const results = { date: new Date().toISOString(), machine, loadAfter: os.loadavg(), rounds: ROUNDS, sources };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'drill.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'drill.md'), renderMarkdown(results));
  log('[done] results in bench/results/drill.md and drill.json');
  if (sources.some((source) => source.error)) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(`[bench] failed: ${errorMessage(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  await sleep(0);
}
