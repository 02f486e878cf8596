import type pg from 'pg';

/** Registers `count` databases named <namePrefix><n> directly in SQL; returns their ids in order. */
export async function registerDatabases(client: pg.Client, namePrefix: string, count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO databases (name, engine, host, port, database, username)
     SELECT $1 || g, 'postgres', '127.0.0.1', 5432, $1 || g, 'postgres' FROM generate_series(1, $2::int) AS g
     RETURNING id::text`,
    [namePrefix, count],
  );
  return rows.map((row) => row.id);
}

/**
 * `count` finished backups (nine in ten success, one in ten failed) spread round-robin over `databaseIds`, one every
 * 3 s going back from 2026-01-01, in one statement (generate_series on the server), then ANALYZE. No queued or
 * running rows, so every database can still take a POST /backups.
 */
export async function seedBackupRows(client: pg.Client, databaseIds: string[], count: number): Promise<void> {
  await client.query('SET synchronous_commit = off');
  await client.query(
    `INSERT INTO backups (database_id, engine, status, trigger, requested_at, started_at, finished_at, storage_key, file_location,
       size_bytes, checksum, error)
     SELECT d.id, d.engine, s.status, 'schedule', s.at, s.at + interval '1 second',
       s.at + interval '9 seconds',
       CASE WHEN s.status = 'success' THEN 'bench/' || g END, CASE WHEN s.status = 'success' THEN '/bench/' || g END,
       CASE WHEN s.status = 'success' THEN 1048576 END, CASE WHEN s.status = 'success' THEN repeat('0', 64) END,
       CASE WHEN s.status = 'failed' THEN 'bench' END
     FROM generate_series(1, $1::int) AS g
     CROSS JOIN LATERAL (SELECT CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'success' END AS status,
       timestamptz '2026-01-01T00:00:00Z' - g * interval '3 seconds' + (g % 7) * interval '1 microsecond' AS at) AS s
     JOIN databases d ON d.id = ($2::bigint[])[1 + g % cardinality($2::bigint[])]`,
    [count, databaseIds],
  );
  await client.query('ANALYZE databases');
  // VACUUM as well: a table in service has its visibility map and hint bits set; without it the first reads write them.
  await client.query('VACUUM (ANALYZE) backups');
}
