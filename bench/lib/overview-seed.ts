import type pg from 'pg';

/**
 * What GET /overview reads, seeded in SQL for bench/overview.ts: `databases` registrations, each with `perDatabase`
 * hourly backups ending at the last full hour, a few schedules and weekly drills. The mix (fixed by `n`, the
 * database's position) gives the overview every state:
 *   n % 10 = 1  the latest backup failed                       → failed
 *   n % 10 = 3  backups stop 3 days ago, hourly schedule       → missed
 *   n % 10 = 5  the last success has a size-shrink anomaly and a warning → warning
 *   n % 8  = 0  the latest drill failed                        → warning
 *   other       ok (fresh or late against their schedules)
 * About 3% of the other backups failed at random; sizes grow slowly towards now, with ±3% noise; durations follow
 * the size (about 60 MiB/s).
 */

export interface OverviewSeed {
  databases: number;
  backups: number;
  schedules: number;
  drills: number;
  seconds: number;
}

const REGISTER_SQL = `
INSERT INTO databases (name, engine, host, port, database, username)
SELECT $1 || lpad(g::text, 3, '0'), 'postgres', '127.0.0.1', 5432, $1 || g, 'postgres'
  FROM generate_series(1, $2::int) AS g`;

/** The registrations of this seed with their position n (1-based, by id). */
const SEEDED = `(SELECT id, engine, row_number() OVER (ORDER BY id)::int AS n FROM databases WHERE name LIKE $1 || '%')`;

const BACKUPS_SQL = `
INSERT INTO backups (database_id, engine, status, trigger, requested_at, started_at, finished_at, storage_key,
  file_location, size_bytes, checksum, error, compression, warnings, anomalies)
SELECT d.id, d.engine, s.status, CASE WHEN g % 97 = 0 THEN 'manual' ELSE 'schedule' END,
  s.at, s.at + interval '2 seconds', s.at + interval '2 seconds' + make_interval(secs => s.size / 62914560.0),
  CASE WHEN s.status = 'success' THEN 'bench/' || d.id || '/' || g || '.dump.zst' END,
  CASE WHEN s.status = 'success' THEN '/var/lib/dbbackup/bench/' || d.id || '/' || g || '.dump.zst' END,
  CASE WHEN s.status = 'success' THEN s.size END,
  CASE WHEN s.status = 'success' THEN md5(d.id || '/' || g) || md5(g || '/' || d.id) END,
  CASE WHEN s.status = 'failed' THEN 'pg_dump: error: connection to server at "10.0.0.' || d.n || '", port 5432 failed: timeout expired' END,
  'zstd',
  CASE WHEN s.flagged THEN '["Large objects are not in the manifest: 3 of them were dumped but not counted"]'::jsonb ELSE '[]'::jsonb END,
  CASE WHEN s.flagged THEN jsonb_build_array(jsonb_build_object('kind', 'size-shrink', 'value', s.size, 'median', s.size * 3,
    'sampleSize', 10, 'message', 'The file is 33% of the median of the last 10 successful backups')) ELSE '[]'::jsonb END
  FROM ${SEEDED} AS d
 CROSS JOIN generate_series(1, $2::int) AS g
 CROSS JOIN LATERAL (
   SELECT date_trunc('hour', now()) - (g - 1) * interval '1 hour' + d.n * interval '7 seconds'
            - CASE WHEN d.n % 10 = 3 THEN interval '3 days' ELSE interval '0' END AS at,
          CASE WHEN g = 1 AND d.n % 10 = 1 THEN 'failed'
               WHEN g > 2 AND random() < 0.03 THEN 'failed' ELSE 'success' END AS status,
          -- 20 MiB to 20 GiB by database, a fifth smaller 20,000 hours ago, ±3% noise; a third of it when flagged.
          round((20971520.0 * power(1000, (d.n % 17) / 16.0)) * (1 - g / ($2::float8 * 5)) * (0.97 + random() * 0.06)
                / CASE WHEN g = 1 AND d.n % 10 = 5 THEN 3 ELSE 1 END)::bigint AS size,
          g = 1 AND d.n % 10 = 5 AS flagged
 ) AS s`;

/** One hourly backup schedule for most, a daily one (disabled for some) besides, a weekly drill schedule for a few. */
const SCHEDULES_SQL = `
INSERT INTO schedules (database_id, cron, timezone, enabled, created_at, updated_at, kind)
SELECT d.id, x.cron, x.timezone, x.enabled, now() - interval '1000 days', now() - interval '900 days', x.kind
  FROM ${SEEDED} AS d
 CROSS JOIN LATERAL (VALUES
   ('0 * * * *', 'UTC', true, 'backup', d.n % 4 <> 0 OR d.n % 10 = 3),
   ('30 2 * * *', 'Europe/Paris', d.n % 20 <> 0, 'backup', d.n % 5 = 0),
   ('0 4 * * 0', 'UTC', true, 'drill', d.n % 2 = 0)
 ) AS x(cron, timezone, enabled, kind, wanted)
 WHERE x.wanted`;

/** 52 weekly drills for every other database; the newest one failed where n % 8 = 0. */
const DRILLS_SQL = `
INSERT INTO drills (database_id, trigger, status, requested_at, started_at, finished_at, error, attempt,
  scratch_database, scratch_dropped_at, restore_time_seconds)
SELECT d.id, 'schedule', s.status, s.at, s.at + interval '1 second', s.at + make_interval(secs => s.restore + 5),
  CASE WHEN s.status = 'failed' THEN 'The restored copy does not match the backup''s manifest: public.orders has 0 rows, 1204 expected' END,
  1, 'dbbackup_drill_' || d.id || '_' || w, s.at + make_interval(secs => s.restore + 6),
  CASE WHEN s.status = 'success' THEN s.restore END
  FROM ${SEEDED} AS d
 CROSS JOIN generate_series(1, 52) AS w
 CROSS JOIN LATERAL (
   SELECT date_trunc('week', now()) + interval '4 hours' - w * interval '7 days' AS at,
          CASE WHEN w = 1 AND d.n % 8 = 0 THEN 'failed' ELSE 'success' END AS status,
          round((20 * power(1000, (d.n % 17) / 16.0) / 40 * (0.9 + random() * 0.2))::numeric, 3)::float8 AS restore
 ) AS s
 WHERE d.n % 2 = 0`;

export async function seedOverview(client: pg.Client, namePrefix: string, databases: number, perDatabase: number): Promise<OverviewSeed> {
  const started = performance.now();
  await client.query('SET synchronous_commit = off');
  await client.query('SELECT setseed(0.42)');
  await client.query(REGISTER_SQL, [namePrefix, databases]);
  const backups = await client.query(BACKUPS_SQL, [namePrefix, perDatabase]);
  const schedules = await client.query(SCHEDULES_SQL, [namePrefix]);
  const drills = await client.query(DRILLS_SQL, [namePrefix]);
  await client.query('ANALYZE databases');
  await client.query('ANALYZE schedules');
  await client.query('ANALYZE drills');
  // VACUUM as well: a table in service has its visibility map and hint bits set; without it the first reads write them.
  await client.query('VACUUM (ANALYZE) backups');
  return {
    databases,
    backups: backups.rowCount ?? 0,
    schedules: schedules.rowCount ?? 0,
    drills: drills.rowCount ?? 0,
    seconds: (performance.now() - started) / 1000,
  };
}
