import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess } from './support/service-processes.js';
import { startApiStack, stopStack } from './support/stack.js';
import { type TestEnv } from './support/test-env.js';

/** One backup row as the reference sees it: the sort key exactly (microseconds since the epoch), ids as BigInt. */
interface ReferenceRow {
  id: bigint;
  databaseId: string;
  databaseName: string;
  status: string;
  trigger: string;
  micros: bigint;
  timestamp: string;
}

interface Filters {
  databaseId?: string;
  status?: string;
  /** Inclusive, microseconds since the epoch. */
  sinceMicros?: bigint;
  /** Exclusive. */
  untilMicros?: bigint;
}

const ROWS = 600;
const BASE = '2024-09-12T12:00:00Z';
const baseMicros = BigInt(Date.parse(BASE)) * 1000n;
const HOUR = 3_600_000_000n;

/** Three databases; rows in groups of five sharing one requested_at (the id decides), some 1 µs apart; 30 hours. */
async function seed(database: string): Promise<string[]> {
  return withClient(database, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO databases (name, engine, host, port, database, username)
       VALUES ('alpha', 'postgres', '127.0.0.1', 5432, 'a', 'u'), ('beta', 'mysql', '127.0.0.1', 3306, 'b', 'u'),
              ('gamma', 'postgres', '127.0.0.1', 5432, 'c', 'u')
       RETURNING id::text`,
    );
    const ids = rows.map((row) => row.id);
    // ORDER BY random(): ids are handed out in insertion order, so they do not follow requested_at.
    await client.query(
      `INSERT INTO backups (database_id, engine, status, trigger, requested_at, storage_key, size_bytes, checksum, error)
       SELECT d.id, d.engine, s.status, 'manual', s.at,
         CASE WHEN s.status = 'success' THEN 'k' || g END, CASE WHEN s.status = 'success' THEN 1 END,
         CASE WHEN s.status = 'success' THEN repeat('a', 64) END, CASE WHEN s.status = 'failed' THEN 'x' END
       FROM generate_series(1, $2::int) AS g
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 4 = 0 THEN 'failed' ELSE 'success' END AS status,
         $3::timestamptz - (g / 5) * interval '15 minutes' + CASE WHEN g % 11 = 0 THEN interval '1 microsecond' ELSE interval '0' END AS at) AS s
       JOIN databases d ON d.id = ($1::bigint[])[1 + g % 3]
       ORDER BY random()`,
      [ids, ROWS, BASE],
    );
    // The unfinished ones (one per database at most): the newest rows.
    await client.query(
      `INSERT INTO backups (database_id, engine, status, trigger, requested_at)
       VALUES ($1, 'postgres', 'queued', 'manual', $3::timestamptz + interval '1 hour'), ($2, 'mysql', 'running', 'schedule', $3::timestamptz + interval '1 hour')`,
      [ids[0], ids[1], BASE],
    );
    return ids;
  });
}

async function referenceRows(database: string): Promise<ReferenceRow[]> {
  return withClient(database, async (client) => {
    const { rows } = await client.query<{ id: string; database_id: string; name: string; status: string; trigger: string; micros: string; at: Date }>(
      `SELECT b.id::text, b.database_id::text, d.name, b.status, b.trigger, b.requested_at AS at,
         (extract(epoch FROM b.requested_at) * 1000000)::bigint::text AS micros
       FROM backups b JOIN databases d ON d.id = b.database_id`,
    );
    return rows.map((row) => ({
      id: BigInt(row.id),
      databaseId: row.database_id,
      databaseName: row.name,
      status: row.status,
      trigger: row.trigger,
      micros: BigInt(row.micros),
      timestamp: row.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }));
  });
}

/** Filtered and ordered in JavaScript, independently of the service's SQL. */
function expected(rows: ReferenceRow[], filters: Filters): ReferenceRow[] {
  return rows
    .filter((row) => filters.databaseId === undefined || row.databaseId === filters.databaseId)
    .filter((row) => filters.status === undefined || row.status === filters.status)
    .filter((row) => filters.sinceMicros === undefined || row.micros >= filters.sinceMicros)
    .filter((row) => filters.untilMicros === undefined || row.micros < filters.untilMicros)
    .sort((a, b) => (a.micros !== b.micros ? (b.micros > a.micros ? 1 : -1) : b.id > a.id ? 1 : b.id < a.id ? -1 : 0));
}

function nextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  const match = /^<(\/backups\?[^>]+)>; rel="next"$/.exec(link);
  if (!match) throw new Error(`Unexpected Link header: ${link}`);
  return match[1];
}

describe('GET /backups: filters and keyset pages', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let databaseIds: string[];
  let all: ReferenceRow[];

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack());
    databaseIds = await seed(env.metadataDatabase);
    all = await referenceRows(env.metadataDatabase);
  });

  afterAll(() => stopStack({ env, api }));

  /** Follows the Link headers from `firstPath`; checks page sizes and that Link is there on every page but the last. */
  async function pageThrough(firstPath: string, limit: number): Promise<{ ids: string[]; pages: number; links: string[] }> {
    const ids: string[] = [];
    const links: string[] = [];
    let path: string | undefined = firstPath;
    let pages = 0;
    while (path !== undefined) {
      const response = await client.get(path);
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
      pages += 1;
      ids.push(...response.body.map((item: { backupId: string }) => item.backupId));
      path = nextLink(response.headers.get('link'));
      if (path !== undefined) {
        expect(response.body).toHaveLength(limit);
        links.push(path);
      } else {
        expect(response.body.length).toBeLessThanOrEqual(limit);
      }
      if (pages > 1000) throw new Error('Too many pages');
    }
    return { ids, pages, links };
  }

  it('seeds what the test needs: ties on requested_at, microsecond gaps, every status', () => {
    expect(all).toHaveLength(ROWS + 2);
    expect(new Set(all.map((row) => row.micros)).size).toBeLessThan(all.length);
    expect(all.some((row) => row.micros % 1000n === 1n)).toBe(true);
    expect(new Set(all.map((row) => row.status))).toEqual(new Set(['queued', 'running', 'success', 'failed']));
  });

  it('the first page without parameters: the 100 newest, every field as in the spec, and a Link to the next', async () => {
    const response = await client.get('/backups');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(
      expected(all, {})
        .slice(0, 100)
        .map((row) => ({
          backupId: String(row.id),
          databaseId: row.databaseId,
          databaseName: row.databaseName,
          status: row.status,
          timestamp: row.timestamp,
          trigger: row.trigger,
        })),
    );
    expect(nextLink(response.headers.get('link'))).toMatch(/^\/backups\?limit=100&cursor=[A-Za-z0-9_-]+$/);
  });

  const cases: Array<[string, (ids: string[]) => { query: Record<string, string>; filters: Filters }, number]> = [
    ['no filter', () => ({ query: {}, filters: {} }), 7],
    ['no filter, default limit', () => ({ query: {}, filters: {} }), 100],
    ['a database', (ids) => ({ query: { databaseId: ids[1]! }, filters: { databaseId: ids[1]! } }), 13],
    ['a status', () => ({ query: { status: 'failed' }, filters: { status: 'failed' } }), 5],
    ['queued only', () => ({ query: { status: 'queued' }, filters: { status: 'queued' } }), 1],
    [
      'since (inclusive) and until (exclusive) on exact row times',
      () => ({
        query: { since: '2024-09-12T06:00:00Z', until: '2024-09-12T10:00:00.000001Z' },
        filters: { sinceMicros: baseMicros - 6n * HOUR, untilMicros: baseMicros - 2n * HOUR + 1n },
      }),
      10,
    ],
    [
      'since in another offset, without seconds',
      () => ({ query: { since: '2024-09-12T12:30+02:00' }, filters: { sinceMicros: baseMicros - (3n * HOUR) / 2n } }),
      9,
    ],
    [
      'a date only (UTC midnight) as until',
      () => ({ query: { until: '2024-09-12' }, filters: { untilMicros: baseMicros - 12n * HOUR } }),
      50,
    ],
    [
      'database, status and since together',
      (ids) => ({
        query: { databaseId: ids[0]!, status: 'success', since: '2024-09-12T00:00:00Z' },
        filters: { databaseId: ids[0]!, status: 'success', sinceMicros: baseMicros - 12n * HOUR },
      }),
      3,
    ],
    ['the largest page', () => ({ query: {}, filters: {} }), 1000],
    ['a page exactly as large as the result', () => ({ query: {}, filters: {} }), ROWS + 2],
    ['an unknown database', () => ({ query: { databaseId: '999999' }, filters: { databaseId: '999999' } }), 10],
  ];

  it.each(cases)('%s: every matching row once, in order, across pages', async (_, make, limit) => {
    const { query, filters } = make(databaseIds);
    const params = new URLSearchParams(query);
    if (limit !== 100) params.set('limit', String(limit));
    const { ids, pages, links } = await pageThrough(`/backups?${params.toString()}`, limit);
    const want = expected(all, filters).map((row) => String(row.id));
    expect(ids).toEqual(want);
    expect(pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
    for (const link of links) {
      const linked = new URLSearchParams(link.slice('/backups?'.length));
      expect(Object.fromEntries([...linked].filter(([name]) => name !== 'cursor'))).toEqual({ ...query, limit: String(limit) });
    }
  });

  it('the filters used above do select rows (the cases are not vacuous)', () => {
    expect(expected(all, { databaseId: databaseIds[1]! }).length).toBeGreaterThan(13);
    expect(expected(all, { status: 'failed' }).length).toBeGreaterThan(5);
    // 17 quarter hours of five rows, less the 10:00 row that is 1 µs late (until is exclusive); the 06:00 one
    // that is 1 µs late stays (since is inclusive).
    expect(expected(all, { sinceMicros: baseMicros - 6n * HOUR, untilMicros: baseMicros - 2n * HOUR + 1n })).toHaveLength(84);
    const beforeMidnight = expected(all, { untilMicros: baseMicros - 12n * HOUR }).length;
    expect(beforeMidnight).toBeGreaterThan(50);
    expect(beforeMidnight).toBeLessThan(all.length);
    expect(expected(all, { databaseId: databaseIds[0]!, status: 'success', sinceMicros: baseMicros - 12n * HOUR }).length).toBeGreaterThan(3);
  });

  it('rows added after the first page do not shift the next pages', async () => {
    const first = await client.get('/backups?limit=50');
    const next = nextLink(first.headers.get('link'))!;
    const snapshot = expected(all, {}).map((row) => String(row.id));
    await withClient(env.metadataDatabase, (c) =>
      c.query(
        `INSERT INTO backups (database_id, engine, status, trigger, requested_at, error)
         SELECT id, engine, 'failed', 'manual', now(), 'late' FROM databases WHERE id = $1`,
        [databaseIds[2]],
      ),
    );
    const rest = await pageThrough(next, 50);
    expect([...first.body.map((item: { backupId: string }) => item.backupId), ...rest.ids]).toEqual(snapshot);
    await withClient(env.metadataDatabase, (c) => c.query(`DELETE FROM backups WHERE error = 'late'`));
  });

  const invalid = (field: string, messages: string[]) => ({ error: 'Validation failed', details: [{ field, messages }] });

  it.each<[string, unknown]>([
    ['limit=0', invalid('limit', ['limit must be an integer between 1 and 1000'])],
    ['limit=1001', invalid('limit', ['limit must be an integer between 1 and 1000'])],
    ['limit=ten', invalid('limit', ['limit must be an integer between 1 and 1000'])],
    ['limit=1.5', invalid('limit', ['limit must be an integer between 1 and 1000'])],
    ['limit=10&limit=20', invalid('limit', ['limit must be an integer between 1 and 1000'])],
    ['status=done', invalid('status', ['status must be one of: queued, running, success, failed'])],
    ['databaseId=abc', invalid('databaseId', ['databaseId must be a database id (a positive integer)'])],
    [
      'since=yesterday',
      invalid('since', ['since must be an ISO 8601 date or date-time, e.g. 2024-09-12 or 2024-09-12T12:30:00Z']),
    ],
    ['until=2024-02-30', invalid('until', ['until must be an ISO 8601 date or date-time, e.g. 2024-09-12 or 2024-09-12T12:30:00Z'])],
    ['offset=100', invalid('offset', ['property offset should not exist'])],
    ['cursor=not-a-cursor', { error: 'Invalid cursor' }],
    [`cursor=${Buffer.from('["2024-09-12T12:00:00.000000Z","0"]').toString('base64url')}`, { error: 'Invalid cursor' }],
    [`cursor=${Buffer.from('["2024-13-12T12:00:00.000000Z","5"]').toString('base64url')}`, { error: 'Invalid cursor' }],
  ])('GET /backups?%s → 400 with the exact error', async (query, body) => {
    const response = await client.get(`/backups?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(body);
  });
});
