/**
 * API benchmark: requests per second and latency of the real API process (dist/main.js) over a metadata database
 * of 1,000,000 backup rows, against a bare Fastify route as the ceiling. Writes bench/results/api.md and api.json.
 *
 *   npm run bench:api              builds dist/ and dist-bench/, then runs this file
 *
 * What runs, in one go:
 *   1. a fresh metadata database (bench_api_<id>, migrated by the API at start-up) and queue prefix;
 *   2. 1,000,000 finished backups over 1,000 databases, plus a pool of databases with no backup for the POSTs,
 *      all inserted in SQL (generate_series);
 *   3. autocannon, one after the other: the bare route (POST, its own process), GET /backups first page, a deep
 *      page (cursor 90% down the million rows), a deep page filtered by database and one filtered by status,
 *      and POST /backups with no worker running ("workers paused": every 202 leaves a queued row and a waiting
 *      job), each POST naming the next database of the pool, since a database takes one unfinished backup;
 *   4. sequential requests (one at a time) to the listing pages for p50/p95/p99 latency against the 25 ms target.
 * Everything is removed at the end (metadata database, Redis keys).
 *
 * Environment (all optional):
 *   BENCH_ROWS=1000000           backup rows
 *   BENCH_DATABASES=1000         databases the rows are spread over
 *   BENCH_POST_DATABASES=100000  databases without backups, one per POST
 *   BENCH_DURATION_S=10          duration of each autocannon run (after a 2 s warm-up)
 *   BENCH_CONNECTIONS=10         autocannon connections
 *   BENCH_ROUNDS=3               alternating rounds of bare route and POST /backups (median reported)
 *   BENCH_LATENCY_REQUESTS=2000  sequential requests per listing page
 *   BENCH_PG_HOST/PORT/USER, BENCH_REDIS_URL, BENCH_DIST as in bench/backup.ts
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { encodeCursor } from '../src/backups/backup-cursor.js';
import { type PgServer, dropDatabase, withClient } from './lib/bench-database.js';
import { registerDatabases, seedBackupRows } from './lib/backup-rows.js';
import { cleanup, deleteRedisKeys, errorMessage, http, intFromEnv, onCleanup, waitForReady } from './lib/harness.js';
import { ServiceProcess, freePort, sleep } from './lib/process.js';

// ---------------------------------------------------------------------------------------------- configuration

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const ROWS = intFromEnv('BENCH_ROWS', 1_000_000, 1000);
const DATABASES = intFromEnv('BENCH_DATABASES', 1000, 10);
const POST_DATABASES = intFromEnv('BENCH_POST_DATABASES', 100_000, 100);
const DURATION_S = intFromEnv('BENCH_DURATION_S', 10, 1);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10, 1);
const LATENCY_REQUESTS = intFromEnv('BENCH_LATENCY_REQUESTS', 2000, 10);
const WARMUP_S = 2;
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
const PG: PgServer = {
  host: process.env.BENCH_PG_HOST || '127.0.0.1',
  port: intFromEnv('BENCH_PG_PORT', 5432, 1),
  user: process.env.BENCH_PG_USER || 'postgres',
};
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const DIST = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
const STARTUP_TIMEOUT_MS = 120_000;
const LISTING_P99_TARGET_MS = 25;
const POST_RATIO_TARGET = 0.4;

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------------------------------------- set-up

interface Setup {
  apiUrl: string;
  bareUrl: string;
  bare: ServiceProcess;
  api: ServiceProcess;
  metaDb: string;
  prefix: string;
  authorization: string;
  postPool: string[];
  pages: Record<PageId, string>;
}

type PageId = 'first' | 'deep' | 'deepDatabase' | 'deepStatus';

const PAGE_LABELS: Record<PageId, string> = {
  first: 'GET /backups (first page)',
  deep: 'GET /backups?cursor= (deep: 90% down 1 M rows)',
  deepDatabase: 'GET /backups?databaseId=&cursor= (deep, one database)',
  deepStatus: 'GET /backups?status=failed&cursor= (deep, one status)',
};

function withMeta<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withClient(PG, database, fn);
}

/** The cursor that starts right after the `offset`-th row (0-based) of the listing under `where`. */
async function cursorAt(client: pg.Client, where: string, params: unknown[], offset: number): Promise<string> {
  const { rows } = await client.query<{ id: string; sort_key: string }>(
    `SELECT id::text, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key
     FROM backups ${where} ORDER BY requested_at DESC, id DESC OFFSET ${offset} LIMIT 1`,
    params,
  );
  if (!rows[0]) throw new Error(`no row at offset ${offset} (${where})`);
  return encodeCursor({ requestedAt: rows[0].sort_key, id: rows[0].id });
}

async function startBare(): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const bare = ServiceProcess.start('bare Fastify', process.execPath, [path.join(ROOT, 'dist-bench', 'bench', 'bare-server.js')], {
    PATH: process.env.PATH,
    PORT: String(port),
  }, ROOT);
  onCleanup('stop the bare server', () => bare.stop());
  await bare.waitForOutput(/listening \d+/, 30_000);
  return { url: `http://127.0.0.1:${port}`, process: bare };
}

async function setUp(tmp: string): Promise<Setup> {
  if (!existsSync(path.join(DIST, 'main.js'))) throw new Error(`${DIST}/main.js is missing: npm run build`);
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const metaDb = `bench_api_${id}`;
  const prefix = `bench-api-${id}`;
  const adminKey = `dbb_bench_${randomBytes(24).toString('base64url')}`;
  await withMeta('postgres', (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(metaDb)}`));
  onCleanup(`drop metadata database ${metaDb}`, () => dropDatabase(PG, metaDb));
  onCleanup(`delete Redis keys ${prefix}:*`, async () => log(`[cleanup] deleted ${await deleteRedisKeys(REDIS_URL, `${prefix}:*`)} Redis keys ${prefix}:*`));

  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const storageDir = path.join(tmp, 'storage');
  await mkdir(storageDir, { recursive: true });
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
  log(`[setup] starting the API (no worker) on ${apiUrl}: metadata ${metaDb}, prefix ${prefix}`);
  const api = ServiceProcess.start('API', process.execPath, [path.join(DIST, 'main.js')], env, ROOT);
  onCleanup('stop the API', () => api.stop());
  await waitForReady(api, apiUrl, STARTUP_TIMEOUT_MS);

  const started = performance.now();
  const { postPool, pages } = await withMeta(metaDb, async (client) => {
    const listed = await registerDatabases(client, 'bench_db_', DATABASES);
    log(`[setup] inserting ${ROWS.toLocaleString('en-US')} backup rows over ${DATABASES} databases`);
    await seedBackupRows(client, listed, ROWS);
    const postPool = await registerDatabases(client, 'bench_post_', POST_DATABASES);
    const someDatabase = listed[Math.floor(listed.length / 2)]!;
    const perDatabase = Math.floor(ROWS / DATABASES);
    const failed = Math.floor(ROWS / 10);
    const pages: Record<PageId, string> = {
      first: '/backups',
      deep: `/backups?cursor=${await cursorAt(client, '', [], Math.floor(ROWS * 0.9))}`,
      deepDatabase:
        `/backups?databaseId=${someDatabase}&cursor=` +
        (await cursorAt(client, 'WHERE database_id = $1', [someDatabase], Math.floor(perDatabase * 0.9))),
      deepStatus: `/backups?status=failed&cursor=${await cursorAt(client, `WHERE status = 'failed'`, [], Math.floor(failed * 0.9))}`,
    };
    return { postPool, pages };
  });
  log(`[setup] seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const authorization = `Bearer ${adminKey}`;
  for (const [name, page] of Object.entries(pages)) {
    const response = await http<unknown[]>(`${apiUrl}${page}`, 'GET', undefined, { authorization });
    if (response.status !== 200 || !Array.isArray(response.body) || response.body.length === 0) {
      throw new Error(`${name} page ${page} answered ${response.status} (${response.text.slice(0, 300)}), expected rows`);
    }
  }
  const bare = await startBare();
  return { apiUrl, bareUrl: bare.url, bare: bare.process, api, metaDb, prefix, authorization, postPool, pages };
}

// ---------------------------------------------------------------------------------------------- measurements

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
async function cpuTimeMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface LoadResult {
  name: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** 2xx answers of the warm-ups and the measured runs together. */
  accepted: number;
  /** Requests/s of each measured round; the figures above are those of the median round. */
  rounds: number[];
  /** CPU time of the server process (API or bare) per request answered, ms; PostgreSQL's and Redis's not included. */
  serverCpuMsPerRequest: number;
}

function summarizeLoad(name: string, result: Result, warmup: Result, cpuMs: number): LoadResult {
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    accepted: result['2xx'] + warmup['2xx'],
    rounds: [Math.round(result.requests.average)],
    serverCpuMsPerRequest: Math.round((cpuMs / Math.max(1, result.requests.total)) * 1000) / 1000,
  };
}

/** A warm-up (not recorded), then the measured run. `options` is built per run so request state starts afresh. */
async function loadOnce(name: string, server: ServiceProcess, options: (durationS: number) => Options): Promise<LoadResult> {
  const warmup = await autocannon(options(WARMUP_S));
  const cpuBefore = await cpuTimeMs(server.pid);
  const measured = await autocannon(options(DURATION_S));
  const result = summarizeLoad(name, measured, warmup, (await cpuTimeMs(server.pid)) - cpuBefore);
  log(
    `[load] ${name}: ${result.requestsPerSecond} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, ` +
      `non-2xx ${result.non2xx}, errors ${result.errors}, server CPU ${result.serverCpuMsPerRequest} ms/request`,
  );
  return result;
}

/** The median round (by requests/s), with the counts of every round added up. */
function medianRound(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const sum = (pick: (r: LoadResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    ...sorted[Math.floor((sorted.length - 1) / 2)]!,
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    accepted: sum((r) => r.accepted),
    rounds: results.map((r) => r.requestsPerSecond),
    serverCpuMsPerRequest: Math.round((sum((r) => r.serverCpuMsPerRequest) / results.length) * 1000) / 1000,
  };
}

function getOptions(setup: Setup, page: string) {
  return (duration: number): Options => ({
    url: `${setup.apiUrl}${page}`,
    connections: CONNECTIONS,
    duration,
    headers: { authorization: setup.authorization },
  });
}

/** Each POST names the next database of the pool: a database takes one unfinished backup at a time. */
function postOptions(url: string, authorization: string, pool: string[], cursor: { next: number }) {
  return (duration: number): Options => ({
    url,
    connections: CONNECTIONS,
    duration,
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const databaseId = pool[cursor.next++ % pool.length];
          return { ...request, method: 'POST', path: '/backups', body: JSON.stringify({ databaseId }) };
        },
      },
    ],
  });
}

interface LatencyResult {
  name: string;
  page: string;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meetsTarget: boolean;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One request at a time, timed from the client (fetch): latency without queueing behind other requests. */
async function sequentialLatency(setup: Setup, id: PageId): Promise<LatencyResult> {
  const url = `${setup.apiUrl}${setup.pages[id]}`;
  const headers = { authorization: setup.authorization };
  const timings: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS + 100; i += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    if (i >= 100) timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  const p99Ms = round(percentile(timings, 99));
  const result = {
    name: PAGE_LABELS[id],
    page: setup.pages[id].replace(/cursor=[^&]+/, 'cursor=…'),
    requests: timings.length,
    p50Ms: round(percentile(timings, 50)),
    p95Ms: round(percentile(timings, 95)),
    p99Ms,
    maxMs: round(timings[timings.length - 1]!),
    meetsTarget: p99Ms < LISTING_P99_TARGET_MS,
  };
  log(`[latency] ${result.name}: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms`);
  return result;
}

/** What the 202s promised: every queued row has its job in Redis. */
async function checkPosts(setup: Setup, accepted: number): Promise<{ queuedRows: number; rowsWithoutJob: number; waitingJobs: number }> {
  const ids = await withMeta(setup.metaDb, async (c) =>
    (await c.query<{ id: string }>(`SELECT id::text FROM backups WHERE status = 'queued'`)).rows.map((row) => row.id),
  );
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.exists(`${setup.prefix}:backups:backup-${id}`);
    const exists = (await pipeline.exec()) ?? [];
    const rowsWithoutJob = exists.filter(([error, found]) => error || found !== 1).length;
    const waitingJobs = await redis.llen(`${setup.prefix}:backups:wait`);
    log(`[check] ${accepted} POSTs answered 202; ${ids.length} queued rows, ${rowsWithoutJob} without a job; ${waitingJobs} waiting jobs`);
    return { queuedRows: ids.length, rowsWithoutJob, waitingJobs };
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------- report

interface ApiBenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; postgres: string; loadAverageBefore: number[]; loadAverageAfter: number[]; note: string };
  config: { rows: number; databases: number; postDatabases: number; durationS: number; warmupS: number; connections: number; latencyRequests: number; rounds: number };
  load: LoadResult[];
  postToBareRatio: number;
  postRatioTarget: number;
  postChecks: { accepted: number; queuedRows: number; rowsWithoutJob: number; waitingJobs: number };
  latency: LatencyResult[];
  listingP99TargetMs: number;
}

function ratioOfCpu(results: ApiBenchResults, name: string): string {
  const bare = results.load.find((r) => r.name === 'Bare Fastify POST (ceiling)')?.serverCpuMsPerRequest;
  const other = results.load.find((r) => r.name === name)?.serverCpuMsPerRequest;
  return bare && other ? (other / bare).toFixed(1) : '?';
}

function renderMarkdown(results: ApiBenchResults): string {
  const m = results.machine;
  const lines = [
    '# API benchmark',
    '',
    `Run ${results.date} by \`npm run bench:api\` (bench/api.ts). ${m.note}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB; Node ${m.node}; ${m.postgres}. ` +
      `Load average before/after: ${m.loadAverageBefore.map((v) => v.toFixed(2)).join(' ')} / ${m.loadAverageAfter.map((v) => v.toFixed(2)).join(' ')}.`,
    '',
    `Data: ${results.config.rows.toLocaleString('en-US')} backup rows over ${results.config.databases.toLocaleString('en-US')} databases, ` +
      `plus ${results.config.postDatabases.toLocaleString('en-US')} databases without backups for the POSTs.`,
    '',
    `## Throughput (autocannon, ${results.config.connections} connections, ${results.config.durationS} s after a ${results.config.warmupS} s warm-up)`,
    '',
    '| Run | Requests/s | p50 (ms) | p99 (ms) | Requests | Non-2xx | Errors | Server CPU per request (ms) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.load.map(
      (r) =>
        `| ${r.name}${r.rounds.length > 1 ? ` (median of ${r.rounds.join(', ')})` : ''} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ` +
        `${r.latencyP99Ms} | ${r.requests} | ${r.non2xx} | ${r.errors + r.timeouts} | ${r.serverCpuMsPerRequest} |`,
    ),
    '',
    `POST /backups / bare route: **${(results.postToBareRatio * 100).toFixed(1)}%** of the requests/s (target ≥ ${results.postRatioTarget * 100}%); ` +
      `the API spends ${ratioOfCpu(results, 'POST /backups (workers paused)')}× the bare server's CPU per request on a POST and ` +
      `${ratioOfCpu(results, 'GET /health/live (the API with no I/O, not logged: the framework floor)')}× on GET /health/live. ` +
      `After the runs: ${results.postChecks.accepted} POSTs answered 202 (warm-ups included); ${results.postChecks.queuedRows} rows are ` +
      `queued in PostgreSQL (requests still in flight when autocannon stopped count here, not there), ` +
      `${results.postChecks.rowsWithoutJob} of them without their job in Redis; ${results.postChecks.waitingJobs} jobs wait in Redis ` +
      '(a job whose enqueue timed out after reaching Redis has no row and would end as a no-op).',
    '',
    `## Listing latency (${results.config.latencyRequests} sequential requests per page, after 100 warm-up requests, timed by the client)`,
    '',
    `| Page | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | p99 < ${results.listingP99TargetMs} ms |`,
    '|---|---:|---:|---:|---:|:---:|',
    ...results.latency.map((r) => `| ${r.name} | ${r.p50Ms} | ${r.p95Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.meetsTarget ? 'yes' : 'no'} |`),
    '',
    '## How',
    '',
    '- The API is the real `dist/main.js` with its own metadata database and queue prefix, `NODE_ENV=production`, ' +
      '`LOG_LEVEL=info` (request logging on, as deployed), an admin API key sent as `Authorization: Bearer`, no worker: ' +
      'every 202 leaves a queued row and a waiting job ("workers paused").',
    '- The bare route is a minimal Fastify 5 server (`bench/bare-server.ts`) in its own process, without logging, ' +
      'answering `POST /backups` with 202 and a small JSON body: the ceiling of one Node process on this machine.',
    '- autocannon runs in the bench process on the same machine, so client, server, PostgreSQL and Redis share the cores.',
    '- Server CPU per request: user + system time of the server process (the API, or the bare server) during the ' +
      'measured run divided by the requests answered (/proc, 10 ms ticks); it depends far less on the other load of ' +
      "the machine than requests/s do. PostgreSQL's and Redis's share of a POST is not in it.",
    '- Deep pages start 90% down their listing (cursor of the row at that offset); the per-database listing holds ' +
      `${Math.floor(results.config.rows / results.config.databases)} rows, the failed listing ${Math.floor(results.config.rows / 10)}.`,
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------- main

async function postgresVersion(): Promise<string> {
  return withMeta('postgres', async (c) => (await c.query<{ v: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS v`)).rows[0]!.v);
}

async function main(): Promise<void> {
  const loadAverageBefore = os.loadavg();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-api-'));
  onCleanup(`remove ${tmp}`, () => rm(tmp, { recursive: true, force: true }));
  const setup = await setUp(tmp);

  const loads: LoadResult[] = [];
  for (const id of Object.keys(PAGE_LABELS) as PageId[]) loads.push(await loadOnce(PAGE_LABELS[id], setup.api, getOptions(setup, setup.pages[id])));
  const nestFloor = await loadOnce('GET /health/live (the API with no I/O, not logged: the framework floor)', setup.api, getOptions(setup, '/health/live'));
  const latency: LatencyResult[] = [];
  for (const id of Object.keys(PAGE_LABELS) as PageId[]) latency.push(await sequentialLatency(setup, id));
  // Bare route and POST alternate, so that both see the same (shared, changing) machine load; POSTs come after
  // the listing runs because they fill the queue. Every POST, warm-ups included, takes the next pool database.
  const bareRounds: LoadResult[] = [];
  const postRounds: LoadResult[] = [];
  const postPosition = { next: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    bareRounds.push(await loadOnce('Bare Fastify POST (ceiling)', setup.bare, postOptions(`${setup.bareUrl}/backups`, setup.authorization, setup.postPool, { next: 0 })));
    postRounds.push(await loadOnce('POST /backups (workers paused)', setup.api, postOptions(`${setup.apiUrl}/backups`, setup.authorization, setup.postPool, postPosition)));
  }
  const bare = medianRound(bareRounds);
  const post = medianRound(postRounds);
  loads.unshift(bare);
  loads.push(nestFloor, post);
  const accepted = post.accepted;
  const checks = await checkPosts(setup, accepted);

  const results: ApiBenchResults = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: await postgresVersion(),
      loadAverageBefore,
      loadAverageAfter: os.loadavg(),
      note: 'One run on a 2-core machine whose speed varies with its neighbours: compare rows of the same run, not runs with each other.',
    },
    config: { rows: ROWS, databases: DATABASES, postDatabases: POST_DATABASES, durationS: DURATION_S, warmupS: WARMUP_S, connections: CONNECTIONS, latencyRequests: LATENCY_REQUESTS, rounds: ROUNDS },
    load: loads,
    postToBareRatio: post.requestsPerSecond / bare.requestsPerSecond,
    postRatioTarget: POST_RATIO_TARGET,
    postChecks: { accepted, ...checks },
    latency,
    listingP99TargetMs: LISTING_P99_TARGET_MS,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'api.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'api.md'), renderMarkdown(results));
  log(`[done] POST/bare ${(results.postToBareRatio * 100).toFixed(1)}%; results in bench/results/api.md and api.json`);
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
