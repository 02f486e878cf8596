import pg from 'pg';

/** Where the benchmark's PostgreSQL is: the local server, trust authentication. */
export interface PgServer {
  host: string;
  port: number;
  user: string;
}

export interface BenchDatabase {
  name: string;
  sizeBytes: number;
  rows: number;
  /** false when an existing database of the right size was reused. */
  generated: boolean;
  /** Wall time of the generation (including VACUUM ANALYZE), 0 when reused. */
  generationSeconds: number;
}

/** Bumped whenever the generated content changes, so an older database is not reused. */
const CONTENT_VERSION = 1;
const TABLE = 'events';
const BATCH_ROWS = 20_000;
const MIN_BATCH_ROWS = 500;
/** Generation stops once the database is within this fraction of the target. */
const CLOSE_ENOUGH = 0.002;
/** A database whose size is this far from the target is rebuilt. */
const SIZE_TOLERANCE = 0.1;
/** Initial guess of the database bytes one row costs (heap + three indexes); refined after every batch. */
const INITIAL_BYTES_PER_ROW = 1300;

const WORDS = `time year people way day man thing woman life child world school state family student group country
problem hand part place case week company system program question work government number night point home water room
mother area money story fact month lot right study book eye job word business issue side kind head house service friend
father power hour game line end member law car city community name president team minute idea kid body information back
parent face others level office door health person art war history party result change morning reason research girl guy
moment air teacher force education foot boy age policy process music market sense nation plan college interest death
experience effect use class control care field development role effort rate heart drug show leader light voice wife
police mind price report decision son view relationship town road arm difference value building action model season
society tax director position player record paper space ground form event official matter center couple site project
activity star table need court oil situation cost industry figure street image phase stock invoice ledger refund parcel
carrier warehouse shipment customer supplier contract renewal discount coupon voucher balance deposit transfer payroll`
  .split(/\s+/)
  .filter(Boolean);

const SCHEMA_SQL = `
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE ${TABLE} (
  id bigint PRIMARY KEY,
  account_id integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  status text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  payload jsonb NOT NULL,
  attachment bytea NOT NULL
);
CREATE INDEX ${TABLE}_created_at_idx ON ${TABLE} (created_at);
CREATE INDEX ${TABLE}_account_created_idx ON ${TABLE} (account_id, created_at);
`;

/** Session-local helper (pg_temp), so nothing but the table ends up in the dumps. */
const WORDS_FUNCTION_SQL = `
CREATE FUNCTION pg_temp.words(n int) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(w[1 + floor(random() * array_length(w, 1))::int], ' ')
  FROM generate_series(1, n), (SELECT ${pg.escapeLiteral(`{${WORDS.join(',')}}`)}::text[] AS w) s
$$`;

/**
 * One batch of rows with ids $1..$2, generated on the server. Rows average about 1 kB, stay below the TOAST
 * threshold (so PostgreSQL does not compress them) and mix content of every compressibility: random bytes (none),
 * md5 hex strings, random numbers, words drawn from a small vocabulary and repeated jsonb keys (a lot).
 * pg_dump | zstd -1 makes them about 2.3 times smaller.
 */
const INSERT_BATCH_SQL = `
INSERT INTO ${TABLE}
SELECT g,
  1 + floor(random() * 50000)::int,
  ts,
  ts + random() * interval '30 days',
  (ARRAY['new', 'active', 'pending', 'closed', 'archived'])[1 + floor(random() * 5)::int],
  pg_temp.words(3 + floor(random() * 8)::int),
  pg_temp.words(8 + floor(random() * 25)::int) || ' ' || md5(random()::text) || ' ' ||
    pg_temp.words(2 + floor(random() * 6)::int) || ' ' || md5(random()::text),
  jsonb_build_object(
    'v', 1 + floor(random() * 3)::int,
    'user', jsonb_build_object(
      'id', floor(random() * 1e6)::int,
      'name', substr(md5(random()::text), 1, 10),
      'score', round((random() * 1000)::numeric, 3),
      'verified', random() < 0.7),
    'amount', round((random() * 10000)::numeric, 2),
    'currency', (ARRAY['EUR', 'USD', 'GBP', 'JPY', 'CHF'])[1 + floor(random() * 5)::int],
    'tags', jsonb_build_array(pg_temp.words(1), pg_temp.words(1), substr(md5(random()::text), 1, 6)),
    'geo', jsonb_build_object('lat', round((random() * 180 - 90)::numeric, 6), 'lon', round((random() * 360 - 180)::numeric, 6)),
    'ref', md5(random()::text),
    'items', (
      SELECT jsonb_agg(jsonb_build_object(
        'sku', substr(md5(random()::text), 1, 8),
        'qty', 1 + floor(random() * 9)::int,
        'price', round((random() * 500)::numeric, 2)))
      FROM generate_series(1, 1 + (g % 4)) AS item)
  ),
  gen_random_bytes(64 + floor(random() * 193)::int)
FROM (SELECT g, now() - random() * interval '1000 days' AS ts FROM generate_series($1::bigint, $2::bigint) AS g) AS s`;

export function marker(targetBytes: number): string {
  return `db-backup-service bench data v${CONTENT_VERSION}, target ${targetBytes} bytes, complete`;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);

export async function withClient<T>(server: PgServer, database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(server: PgServer, name: string): Promise<void> {
  await withClient(server, 'postgres', (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

interface Existing {
  sizeBytes: number;
  comment: string | null;
}

async function inspect(server: PgServer, name: string): Promise<Existing | undefined> {
  return withClient(server, 'postgres', async (c) => {
    const { rows } = await c.query<{ size: string; comment: string | null }>(
      `SELECT pg_database_size(oid)::text AS size, shobj_description(oid, 'pg_database') AS comment
       FROM pg_database WHERE datname = $1`,
      [name],
    );
    const row = rows[0];
    return row ? { sizeBytes: Number(row.size), comment: row.comment } : undefined;
  });
}

async function countRows(server: PgServer, name: string): Promise<number> {
  return withClient(server, name, async (c) => {
    const { rows } = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${TABLE}`);
    return Number(rows[0]!.n);
  });
}

/**
 * Makes sure `name` holds about `targetBytes` (pg_database_size) of generated data: reuses it when a previous run
 * completed it at that size, otherwise drops and regenerates it with `parallelism` connections.
 */
export async function ensureBenchDatabase(
  server: PgServer,
  name: string,
  targetBytes: number,
  parallelism: number,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const existing = await inspect(server, name);
  if (existing) {
    const withinTolerance = Math.abs(existing.sizeBytes - targetBytes) <= targetBytes * SIZE_TOLERANCE;
    if (existing.comment === marker(targetBytes) && withinTolerance) {
      const rows = await countRows(server, name);
      log(`[data] reusing ${name}: ${mib(existing.sizeBytes)} MiB, ${rows.toLocaleString('en-US')} rows`);
      return { name, sizeBytes: existing.sizeBytes, rows, generated: false, generationSeconds: 0 };
    }
    log(
      `[data] ${name} exists but is not a complete ${mib(targetBytes)} MiB bench database ` +
        `(${mib(existing.sizeBytes)} MiB, comment ${JSON.stringify(existing.comment)}): recreating it`,
    );
    await dropDatabase(server, name);
  }

  const started = performance.now();
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  await withClient(server, name, (c) => c.query(SCHEMA_SQL));

  const monitor = new pg.Client({ host: server.host, port: server.port, user: server.user, database: name });
  await monitor.connect();
  try {
    const databaseSize = async () => {
      const { rows } = await monitor.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size');
      return Number(rows[0]!.size);
    };
    const baseBytes = await databaseSize();
    let sizeBytes = baseBytes;
    let bytesPerRow = INITIAL_BYTES_PER_ROW;
    let nextId = 1;
    let rowsDone = 0;
    let rowsInFlight = 0;

    /** The next batch to insert, sized so that the database ends close to the target; undefined when done. */
    const claim = (): [number, number] | undefined => {
      const missingBytes = targetBytes - sizeBytes - rowsInFlight * bytesPerRow;
      // Close enough: pages fill up before the size moves, so chasing the last bytes row by row would not end.
      if (missingBytes < Math.max(targetBytes * CLOSE_ENOUGH, 256 * 1024)) return undefined;
      const rows = Math.max(MIN_BATCH_ROWS, Math.min(BATCH_ROWS, Math.ceil(missingBytes / bytesPerRow)));
      const range: [number, number] = [nextId, nextId + rows - 1];
      nextId += rows;
      rowsInFlight += rows;
      return range;
    };

    const insertLoop = async () => {
      await withClient(server, name, async (client) => {
        await client.query('SET synchronous_commit = off');
        await client.query(WORDS_FUNCTION_SQL);
        for (let range = claim(); range; range = claim()) {
          await client.query(INSERT_BATCH_SQL, range);
          const rows = range[1] - range[0] + 1;
          rowsInFlight -= rows;
          rowsDone += rows;
          sizeBytes = await databaseSize();
          if (rowsDone > 0 && sizeBytes > baseBytes) bytesPerRow = (sizeBytes - baseBytes) / rowsDone;
          const seconds = (performance.now() - started) / 1000;
          log(
            `[data] ${rowsDone.toLocaleString('en-US')} rows, ${mib(sizeBytes)} / ${mib(targetBytes)} MiB ` +
              `(${Math.round((100 * sizeBytes) / targetBytes)}%), ${Math.round(rowsDone / seconds).toLocaleString('en-US')} rows/s, ${seconds.toFixed(0)} s`,
          );
        }
      });
    };
    log(`[data] generating ${name} (~${mib(targetBytes)} MiB) with ${parallelism} connection(s), ${BATCH_ROWS} rows per batch`);
    await Promise.all(Array.from({ length: parallelism }, insertLoop));

    log('[data] VACUUM (ANALYZE)');
    await monitor.query(`VACUUM (ANALYZE) ${TABLE}`);
    await monitor.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(marker(targetBytes))}`);
    sizeBytes = await databaseSize();
    const generationSeconds = (performance.now() - started) / 1000;
    log(`[data] done: ${rowsDone.toLocaleString('en-US')} rows, ${mib(sizeBytes)} MiB in ${generationSeconds.toFixed(1)} s`);
    return { name, sizeBytes, rows: rowsDone, generated: true, generationSeconds };
  } finally {
    await monitor.end();
  }
}

/** One query on a fresh connection to `database`; returns the rows. */
export async function pgQuery<T extends pg.QueryResultRow>(
  server: PgServer,
  database: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(server, database, async (c) => (await c.query<T>(sql, params)).rows);
}

/** Creates an empty database from template0 (no extension or object of template1 comes along). */
export async function createEmptyDatabase(server: PgServer, name: string): Promise<void> {
  await withClient(server, 'postgres', (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0`));
}

/** Names of the databases whose name matches one of the LIKE patterns (e.g. `dbbackup\_aside\_%`), sorted. */
export async function databasesLike(server: PgServer, patterns: string[]): Promise<string[]> {
  const rows = await pgQuery<{ datname: string }>(
    server,
    'postgres',
    'SELECT datname FROM pg_database WHERE datname LIKE ANY($1::text[]) ORDER BY datname',
    [patterns],
  );
  return rows.map((row) => row.datname);
}

/** The user tables of a database (plain tables and partitions, not views), as quoted `schema.table` names. */
export async function userTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}
