import type pg from 'pg';

export interface SeedShape {
  /** Databases registered directly in SQL, named bench_db_<n>. */
  databases: number;
  /** Finished backups spread over them (success or failed), one every few seconds going back in time. */
  backups: number;
}

/**
 * Registers `databases` databases and `backups` finished backup rows in an already migrated metadata database,
 * in a few statements (generate_series on the server), then ANALYZE. No queued or running rows: every database
 * can take a POST /backups.
 */
export async function seedBackupRows(client: pg.Client, shape: SeedShape): Promise<void> {
  await client.query('SET synchronous_commit = off');
  await client.query(
    `INSERT INTO databases (name, engine, host, port, database, username)
     SELECT 'bench_db_' || g, 'postgres', '127.0.0.1', 5432, 'bench_db_' || g, 'postgres' FROM generate_series(1, $1::int) AS g`,
    [shape.databases],
  );
  // Ids of databases and backups are identities: read the range the insert got instead of assuming 1..N.
  await client.query(
    `INSERT INTO backups (database_id, status, trigger, requested_at, started_at, finished_at, storage_key, file_location,
       size_bytes, checksum, error)
     SELECT d.id, s.status, 'schedule', s.at, s.at + interval '1 second', s.at + interval '9 seconds',
       CASE WHEN s.status = 'success' THEN 'bench/' || g END, CASE WHEN s.status = 'success' THEN '/bench/' || g END,
       CASE WHEN s.status = 'success' THEN 1048576 END, CASE WHEN s.status = 'success' THEN repeat('0', 64) END,
       CASE WHEN s.status = 'failed' THEN 'bench' END
     FROM generate_series(1, $1::int) AS g
     CROSS JOIN LATERAL (SELECT CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'success' END AS status,
       timestamptz '2026-01-01T00:00:00Z' - g * interval '3 seconds' + (g % 7) * interval '1 millisecond' AS at) AS s
     JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM databases) AS d ON d.n = g % $2::int`,
    [shape.backups, shape.databases],
  );
  await client.query('ANALYZE databases');
  await client.query('ANALYZE backups');
}
