/**
 * Cost of one /metrics scrape with many backups on record: fills a metadata database with BENCH_ROWS backups
 * (default 1,000,000) spread over 20 databases, starts the API from dist/, and times BENCH_SCRAPES scrapes.
 * Writes bench/results/metrics-scrape.md. The database (bench_metrics_<rows>) is kept for re-runs.
 *
 *   npm run build && tsc -p tsconfig.bench.json && node dist-bench/bench/metrics-scrape.js
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, run, ServiceProcess, sleep } from './lib/process.js';
import { median } from './lib/stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 10);
const PG = { host: process.env.BENCH_PG_HOST ?? '127.0.0.1', port: Number(process.env.BENCH_PG_PORT ?? 5432), user: process.env.BENCH_PG_USER ?? 'postgres' };
const DATABASE = `bench_metrics_${ROWS}`;
const DATABASE_URL = `postgres://${PG.user}@${PG.host}:${PG.port}/${DATABASE}`;

async function query(database: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ ...PG, database });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function fill(): Promise<void> {
  const exists = await query('postgres', `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`);
  if (exists.rowCount === 0) await query('postgres', `CREATE DATABASE ${DATABASE}`);
  const migrated = await run(process.execPath, [path.join(ROOT, 'dist/core/database/migrate.js')], { ...process.env, DATABASE_URL });
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  const { rows } = await query(DATABASE, 'SELECT count(*)::int AS n FROM backups');
  if (rows[0].n >= ROWS) return;
  await query(DATABASE, `
    INSERT INTO databases (name, engine, host, port, database, username, password_encrypted)
    SELECT 'db' || g, CASE WHEN g % 2 = 0 THEN 'postgres' ELSE 'mysql' END, '127.0.0.1', 5432, 'db' || g, 'u', 'x'
    FROM generate_series(1, 20) g ON CONFLICT DO NOTHING`);
  await query(DATABASE, `
    INSERT INTO backups (database_id, engine, status, trigger, requested_at, started_at, finished_at, size_bytes, storage_key, checksum)
    SELECT d.id, d.engine, CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'success' END, 'schedule',
           now() - make_interval(mins => g), now() - make_interval(mins => g),
           now() - make_interval(mins => g) + make_interval(secs => g % 3600), (g % 1000) * 1048576,
           'db-' || d.id || '/backup-' || g, repeat('0', 64)
    FROM generate_series(1, ${ROWS}) g JOIN databases d ON d.name = 'db' || (1 + g % 20)`);
  await query(DATABASE, 'VACUUM ANALYZE backups');
}

async function main(): Promise<void> {
  await fill();
  const port = await freePort();
  const key = `dbb_bench_${randomBytes(16).toString('hex')}`;
  const env = { PATH: process.env.PATH, DATABASE_URL, PORT: String(port), QUEUE_PREFIX: `bench-metrics-${port}`, ADMIN_API_KEY: key, LOG_LEVEL: 'warn', REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' };
  const api = ServiceProcess.start('API', process.execPath, [path.join(ROOT, 'dist/main.js')], env, ROOT);
  try {
    await api.waitForOutput(/successfully started|listening/i, 60_000).catch(() => sleep(3_000));
    const url = `http://127.0.0.1:${port}/metrics`;
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i <= SCRAPES; i++) {
      const started = performance.now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text.slice(0, 300)}`);
      if (i > 0) times.push(performance.now() - started);
      size = text.length;
    }
    // The floor: the same rows grouped without any aggregate but count(*).
    const bare = performance.now();
    await query(DATABASE, 'CREATE TEMP TABLE bare AS SELECT database_id, status, count(*) FROM backups GROUP BY 1, 2');
    const bareMs = performance.now() - bare;
    const load = os.loadavg()[0]!.toFixed(1);
    const report = [
      '# /metrics scrape cost',
      '',
      `${new Date().toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), shared with other work (load average ${load}).`,
      '',
      `- backups on record: ${ROWS.toLocaleString('en')} over 20 databases`,
      `- scrapes: ${SCRAPES} (after one warm-up), median ${median(times).toFixed(0)} ms, min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`,
      `- response size: ${size} bytes`,
      `- for comparison, a bare \`SELECT database_id, status, count(*) FROM backups GROUP BY 1, 2\`: ${bareMs.toFixed(0)} ms`,
      '',
    ].join('\n');
    await writeFile(path.join(ROOT, 'bench/results/metrics-scrape.md'), report);
    console.log(report);
  } finally {
    await api.stop();
  }
}

await main();
