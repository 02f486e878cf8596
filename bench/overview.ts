/**
 * Overview benchmark: GET /overview (the console's first screen) over 50 databases × 20,000 backups, on the real API
 * process (dist/main.js). Writes bench/results/overview.md and overview.json.
 *
 *   npm run bench:overview         builds dist/ and dist-bench/, then runs this file
 *
 * What runs, in one go:
 *   1. a fresh metadata database (bench_overview_<id>, migrated by the API at start-up), the API alone (no worker,
 *      so no schedule ticks);
 *   2. the seed of bench/lib/overview-seed.ts: hourly backups with realistic statuses, sizes and times, schedules,
 *      weekly drills, some failed latest backups, missed schedules, anomalies;
 *   3. EXPLAIN (ANALYZE, BUFFERS) of the overview's SQL (the second of two runs), and the SQL alone, sequentially;
 *   4. autocannon (10 connections) on GET /overview, then sequential requests for p50/p99.
 * The load average is recorded beside every figure: the machine is shared. Everything is removed at the end.
 *
 * Environment (all optional):
 *   BENCH_OVERVIEW_DATABASES=50   registered databases
 *   BENCH_OVERVIEW_BACKUPS=20000  backups per database
 *   BENCH_DURATION_S=10           autocannon duration (after a 2 s warm-up)
 *   BENCH_CONNECTIONS=10          autocannon connections
 *   BENCH_LATENCY_REQUESTS=300    sequential requests (after 20 warm-up requests), and as many runs of the SQL alone
 *   BENCH_PG_HOST/PORT/USER, BENCH_REDIS_URL, BENCH_DIST as in bench/backup.ts
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import type { AppConfig } from '../src/core/config/app-config.js';
import { OVERVIEW_SQL, type OverviewRepository, type OverviewRow } from '../src/overview/overview.repository.js';
import { OverviewService } from '../src/overview/overview.service.js';
import { dropDatabase, withClient } from './lib/bench-database.js';
import { DIST, PG, REDIS_URL, RESULTS_DIR, ROOT } from './lib/bench-config.js';
import { cleanup, deleteRedisKeys, errorMessage, http, intFromEnv, onCleanup, waitForReady } from './lib/harness.js';
import { type OverviewSeed, seedOverview } from './lib/overview-seed.js';
import { ServiceProcess, freePort, sleep } from './lib/process.js';

const DATABASES = intFromEnv('BENCH_OVERVIEW_DATABASES', 50, 1);
const BACKUPS_PER_DATABASE = intFromEnv('BENCH_OVERVIEW_BACKUPS', 20_000, 10);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 10, 1);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10, 1);
const SEQUENTIAL = intFromEnv('BENCH_LATENCY_REQUESTS', 300, 10);
const WARMUP_S = 2;
const WARMUP_REQUESTS = 20;
const STARTUP_TIMEOUT_MS = 120_000;
const NAME_PREFIX = 'bench_overview_db_';
/** The API's default SCHEDULE_MISSED_GRACE_SECONDS, in ms. */
const GRACE_MS = 3600 * 1000;

const log = (line: string) => console.log(line);

/** The 1-minute load average, two decimals: recorded beside every figure. */
const load1 = () => Math.round(os.loadavg()[0]! * 100) / 100;

interface Api {
  url: string;
  process: ServiceProcess;
  metaDb: string;
  authorization: string;
}

async function startApi(tmp: string): Promise<Api> {
  if (!existsSync(path.join(DIST, 'main.js'))) throw new Error(`${DIST}/main.js is missing: npm run build`);
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const metaDb = `bench_overview_${id}`;
  const prefix = `bench-overview-${id}`;
  const adminKey = `dbb_bench_${randomBytes(24).toString('base64url')}`;
  await withClient(PG, 'postgres', (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(metaDb)}`));
  onCleanup(`drop metadata database ${metaDb}`, () => dropDatabase(PG, metaDb));
  onCleanup(`delete Redis keys ${prefix}:*`, async () => log(`[cleanup] deleted ${await deleteRedisKeys(REDIS_URL, `${prefix}:*`)} Redis keys ${prefix}:*`));
  const storageDir = path.join(tmp, 'storage');
  await mkdir(storageDir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `postgres://${encodeURIComponent(PG.user)}@${PG.host}:${PG.port}/${metaDb}`,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    STORAGE_DIR: storageDir,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    ADMIN_API_KEY: adminKey,
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'info',
  };
  log(`[setup] starting the API (no worker) on ${url}: metadata ${metaDb}`);
  const api = ServiceProcess.start('API', process.execPath, [path.join(DIST, 'main.js')], env, ROOT);
  onCleanup('stop the API', () => api.stop());
  await waitForReady(api, url, STARTUP_TIMEOUT_MS);
  return { url, process: api, metaDb, authorization: `Bearer ${adminKey}` };
}

// ---------------------------------------------------------------------------------------------- measurements

interface Percentiles {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  load1Before: number;
  load1After: number;
}

function percentiles(timings: number[], load1Before: number): Percentiles {
  const sorted = [...timings].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 100) / 100;
  return { n: sorted.length, p50Ms: at(50), p99Ms: at(99), maxMs: at(100), load1Before, load1After: load1() };
}

/** `times` runs of `once` after `warmup` uncounted ones, one at a time; each timed alone. */
async function timeSequentially(warmup: number, times: number, once: () => Promise<void>): Promise<Percentiles> {
  for (let i = 0; i < warmup; i += 1) await once();
  const before = load1();
  const timings: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await once();
    timings.push(performance.now() - started);
  }
  return percentiles(timings, before);
}

async function fetchOverview(api: Api): Promise<void> {
  const response = await fetch(`${api.url}/overview`, { headers: { authorization: api.authorization } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET /overview answered ${response.status}`);
}

/**
 * OverviewService.list() in this process on rows already read: the schedules' cron arithmetic (next tick, missed,
 * freshness), the states and the sort, without SQL, HTTP or JSON.
 */
async function serviceAlone(client: pg.Client): Promise<Percentiles> {
  const rows = (await client.query<OverviewRow>(OVERVIEW_SQL)).rows;
  const repository = { rows: () => Promise.resolve(rows) } as unknown as OverviewRepository;
  const config = { scheduleMissedGraceMs: GRACE_MS } as AppConfig;
  const service = new OverviewService(repository, config);
  return timeSequentially(WARMUP_REQUESTS, SEQUENTIAL, async () => void (await service.list()));
}

interface Throughput {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  load1Before: number;
  load1After: number;
}

async function throughput(api: Api): Promise<Throughput> {
  const options = (duration: number) => ({
    url: `${api.url}/overview`,
    connections: CONNECTIONS,
    duration,
    headers: { authorization: api.authorization },
  });
  await autocannon(options(WARMUP_S));
  const load1Before = load1();
  const result = await autocannon(options(DURATION_S));
  return {
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    load1Before,
    load1After: load1(),
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the overview's SQL: the second run, so that the first one warmed the cache. */
async function explain(client: pg.Client): Promise<{ plan: string; load1: number }> {
  const sql = `EXPLAIN (ANALYZE, BUFFERS) ${OVERVIEW_SQL}`;
  await client.query(sql);
  const before = load1();
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(sql);
  return { plan: rows.map((row) => row['QUERY PLAN']).join('\n'), load1: before };
}

interface Shape {
  rows: number;
  bytes: number;
  states: Record<string, number>;
  freshness: Record<string, number>;
}

/** What one answer holds: rows, JSON size, how many databases in each state. */
async function answerShape(api: Api): Promise<Shape> {
  const answer = await http<Array<{ state: string; freshness: string }>>(`${api.url}/overview`, 'GET', undefined, { authorization: api.authorization });
  if (answer.status !== 200 || !Array.isArray(answer.body)) throw new Error(`GET /overview answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const count = (pick: (row: { state: string; freshness: string }) => string) =>
    answer.body.reduce<Record<string, number>>((counts, row) => ({ ...counts, [pick(row)]: (counts[pick(row)] ?? 0) + 1 }), {});
  return { rows: answer.body.length, bytes: Buffer.byteLength(answer.text), states: count((row) => row.state), freshness: count((row) => row.freshness) };
}

// ---------------------------------------------------------------------------------------------- report

interface OverviewResults {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  config: { databases: number; backupsPerDatabase: number; durationS: number; warmupS: number; connections: number; sequential: number };
  seed: OverviewSeed;
  shape: Shape;
  throughput: Throughput;
  sequential: Percentiles;
  sqlAlone: Percentiles;
  serviceAlone: Percentiles;
  explain: { plan: string; load1: number };
}

function renderMarkdown(r: OverviewResults): string {
  const loads = (p: { load1Before: number; load1After: number }) => `${p.load1Before.toFixed(2)} → ${p.load1After.toFixed(2)}`;
  const counts = (record: Record<string, number>) => Object.entries(record).map(([key, n]) => `${key} ${n}`).join(', ');
  return [
    '# GET /overview benchmark',
    '',
    `Run ${r.date} by \`npm run bench:overview\` (bench/overview.ts). One run on a 2-core machine shared with other ` +
      "work (test runs of other branches): the load average is given beside every figure; compare figures of the same run.",
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB; Node ${r.machine.node}; ${r.machine.postgres}. ` +
      `Load average (1, 5, 15 min) before/after: ${r.machine.loadAverageBefore.map((v) => v.toFixed(2)).join(' ')} / ` +
      `${r.machine.loadAverageAfter.map((v) => v.toFixed(2)).join(' ')}.`,
    '',
    `Data: ${r.seed.databases} databases, ${r.seed.backups.toLocaleString('en-US')} backups (${r.config.backupsPerDatabase.toLocaleString('en-US')} each, hourly), ` +
      `${r.seed.schedules} schedules, ${r.seed.drills.toLocaleString('en-US')} drills, seeded in SQL in ${r.seed.seconds.toFixed(1)} s. ` +
      `One answer: ${r.shape.rows} rows, ${(r.shape.bytes / 1024).toFixed(1)} KiB of JSON; states: ${counts(r.shape.states)}; freshness: ${counts(r.shape.freshness)}.`,
    '',
    '| Measure | Figure | p50 (ms) | p99 (ms) | max (ms) | Load average (1 min) before → after |',
    '|---|---:|---:|---:|---:|---|',
    `| autocannon, ${r.config.connections} connections, ${r.config.durationS} s after ${r.config.warmupS} s warm-up | ` +
      `**${r.throughput.requestsPerSecond} requests/s** (${r.throughput.requests} requests, ${r.throughput.non2xx} non-2xx, ${r.throughput.errors} errors) | ` +
      `${r.throughput.p50Ms} | ${r.throughput.p99Ms} | | ${loads(r.throughput)} |`,
    `| Sequential GET /overview (after ${WARMUP_REQUESTS} warm-up requests) | ${r.sequential.n} requests | ${r.sequential.p50Ms} | ${r.sequential.p99Ms} | ${r.sequential.maxMs} | ${loads(r.sequential)} |`,
    `| The SQL alone (node-postgres, one open connection) | ${r.sqlAlone.n} runs | ${r.sqlAlone.p50Ms} | ${r.sqlAlone.p99Ms} | ${r.sqlAlone.maxMs} | ${loads(r.sqlAlone)} |`,
    `| OverviewService.list() alone on rows in memory (schedules, states, sort; in the bench process) | ${r.serviceAlone.n} runs | ` +
      `${r.serviceAlone.p50Ms} | ${r.serviceAlone.p99Ms} | ${r.serviceAlone.maxMs} | ${loads(r.serviceAlone)} |`,
    '',
    `## EXPLAIN (ANALYZE, BUFFERS) of the overview's SQL (second run; load average ${r.explain.load1.toFixed(2)})`,
    '',
    '```',
    r.explain.plan,
    '```',
    '',
    '## How',
    '',
    '- The API is the real `dist/main.js`, `NODE_ENV=production`, `LOG_LEVEL=info`, an admin key as `Authorization: Bearer` ' +
      '(each request looks the key up and counts it against its rate limit), no worker (no schedule ticks during the run).',
    '- The seed (`bench/lib/overview-seed.ts`): hourly backups ending at the last full hour, about 3% failed, sizes from ' +
      '20 MiB to 20 GiB by database growing slowly towards now with ±3% noise, durations following the sizes; an hourly ' +
      'schedule on most databases, a daily one (some disabled) on a fifth, weekly drill schedules and 52 weekly drills on ' +
      'half of them. Latest backup failed on 5 databases, backups stopped 3 days ago on 5 (missed), a size-shrink anomaly ' +
      'and a warning on the last success of 5, latest drill failed on 6.',
    '- autocannon runs in the bench process: client, API, PostgreSQL and Redis share the 2 cores.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const loadAverageBefore = os.loadavg();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-overview-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  const api = await startApi(tmp);

  const meta = new pg.Client({ host: PG.host, port: PG.port, user: PG.user, database: api.metaDb });
  await meta.connect();
  onCleanup('close the metadata connection', () => meta.end());
  log(`[setup] seeding ${DATABASES} databases × ${BACKUPS_PER_DATABASE.toLocaleString('en-US')} backups`);
  const seed = await seedOverview(meta, NAME_PREFIX, DATABASES, BACKUPS_PER_DATABASE);
  log(`[setup] seeded ${seed.backups.toLocaleString('en-US')} backups, ${seed.schedules} schedules, ${seed.drills} drills in ${seed.seconds.toFixed(1)} s`);

  const shape = await answerShape(api);
  log(`[check] ${shape.rows} rows, ${shape.bytes} bytes; states ${JSON.stringify(shape.states)}`);
  const explained = await explain(meta);
  log(`[explain] ${explained.plan.split('\n').slice(-2).join('; ')}`);
  const sqlAlone = await timeSequentially(WARMUP_REQUESTS, SEQUENTIAL, async () => void (await meta.query(OVERVIEW_SQL)));
  log(`[sql] p50 ${sqlAlone.p50Ms} ms, p99 ${sqlAlone.p99Ms} ms (load ${sqlAlone.load1Before})`);
  const inProcess = await serviceAlone(meta);
  log(`[service] p50 ${inProcess.p50Ms} ms, p99 ${inProcess.p99Ms} ms (load ${inProcess.load1Before})`);
  const load = await throughput(api);
  log(`[load] ${load.requestsPerSecond} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, non-2xx ${load.non2xx} (load ${load.load1Before})`);
  const sequential = await timeSequentially(WARMUP_REQUESTS, SEQUENTIAL, () => fetchOverview(api));
  log(`[latency] p50 ${sequential.p50Ms} ms, p99 ${sequential.p99Ms} ms (load ${sequential.load1Before})`);

  const { rows } = await meta.query<{ v: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS v`);
  const results: OverviewResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: rows[0]!.v,
      loadAverageBefore,
      loadAverageAfter: os.loadavg(),
    },
    config: { databases: DATABASES, backupsPerDatabase: BACKUPS_PER_DATABASE, durationS: DURATION_S, warmupS: WARMUP_S, connections: CONNECTIONS, sequential: SEQUENTIAL },
    seed,
    shape,
    throughput: load,
    sequential,
    sqlAlone,
    serviceAlone: inProcess,
    explain: explained,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'overview.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'overview.md'), renderMarkdown(results));
  log('[done] results in bench/results/overview.md and overview.json');
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
