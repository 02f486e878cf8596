import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgServer } from './bench-database.js';
import { intFromEnv } from './harness.js';

/** The settings every PostgreSQL bench shares (see bench/README.md); this file runs as dist-bench/bench/lib/bench-config.js. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ? path.resolve(process.env.BENCH_RESULTS_DIR) : path.join(ROOT, 'bench', 'results');

export const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
export const DB_MB = intFromEnv('BENCH_DB_MB', 800, 1);
export const DROP_AT_END = process.env.BENCH_DROP === '1';
export const PG: PgServer = {
  host: process.env.BENCH_PG_HOST || '127.0.0.1',
  port: intFromEnv('BENCH_PG_PORT', 5432, 1),
  user: process.env.BENCH_PG_USER || 'postgres',
};
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
export const TMP_BASE = process.env.BENCH_TMPDIR || os.tmpdir();
export const DIST = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
export const BACKUP_TIMEOUT_MS = intFromEnv('BENCH_BACKUP_TIMEOUT_S', 600, 1) * 1000;
export const BENCH_DB = `bench_backup_${DB_MB}mb`;
export const TRACE = process.env.BENCH_TRACE === '1';
