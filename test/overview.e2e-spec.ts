import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, startApi } from './support/service-processes.js';
import { createTestEnv, postgresRegistration, type TestEnv } from './support/test-env.js';

const HOUR_MS = 3600 * 1000;

/** The console's API: GET /overview, GET /api-keys/current, POST /databases/:id/retention/preview. No worker needed. */
describe('Console API', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  const ids: Record<string, string> = {};

  async function sql<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
    return withClient(env.metadataDatabase, async (c) => (await c.query(text, values)).rows as T[]);
  }

  /** A successful backup requested `hoursAgo` hours ago; returns its id. */
  async function success(databaseId: string, hoursAgo: number, sizeBytes: number, extra: { warnings?: string[]; anomalies?: unknown[] } = {}): Promise<string> {
    const [row] = await sql<{ id: string }>(
      `INSERT INTO backups (database_id, status, trigger, requested_at, started_at, finished_at, storage_key, size_bytes, checksum, engine, warnings, anomalies)
       SELECT $1, 'success', 'manual', now() - make_interval(secs => $2::float8 * 3600), now() - make_interval(secs => $2::float8 * 3600),
              now() - make_interval(secs => $2::float8 * 3600 - 30), 'seed/' || $2, $3, repeat('b', 64), d.engine, $4::jsonb, $5::jsonb
         FROM databases d WHERE d.id = $1 RETURNING id`,
      [databaseId, hoursAgo, sizeBytes, JSON.stringify(extra.warnings ?? []), JSON.stringify(extra.anomalies ?? [])],
    );
    return String(row!.id);
  }

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env.vars);
    client = new ApiClient(api);
    for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'gone']) {
      const engine = name === 'bravo' ? { engine: 'mariadb', port: 3306, username: 'root' } : {};
      const created = await client.post('/databases', postgresRegistration(name, `db_${name}`, engine));
      expect(created.status).toBe(201);
      ids[name] = created.body.databaseId;
    }
    expect((await client.delete(`/databases/${ids.gone}`)).status).toBe(204);
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  describe('GET /overview', () => {
    let anomaly: Record<string, unknown>;

    beforeAll(async () => {
      anomaly = { kind: 'size-growth', value: 2000, median: 1000, sampleSize: 1, message: 'The file is 100% larger than the median of the last 1 successful backups' };
      await success(ids.alpha!, 3, 1000);
      ids.alphaLast = await success(ids.alpha!, 2, 2000, { warnings: ['FLOAT column t.f prints 6 significant digits'], anomalies: [anomaly] });
      await sql(
        `INSERT INTO drills (database_id, status, requested_at, started_at, finished_at, restore_time_seconds)
         VALUES ($1, 'success', now() - interval '70 minutes', now() - interval '65 minutes', now() - interval '60 minutes', 12.5)`,
        [ids.alpha],
      );
      ids.bravoSuccess = await success(ids.bravo!, 30, 500);
      const [failed] = await sql<{ id: string }>(
        `INSERT INTO backups (database_id, status, trigger, requested_at, error, engine)
         VALUES ($1, 'failed', 'schedule', now() - interval '1 hour', 'mariadb-dump: Got error: 2002', 'mariadb') RETURNING id`,
        [ids.bravo],
      );
      ids.bravoFailed = String(failed!.id);
      const schedule = await client.post(`/databases/${ids.charlie}/schedules`, { cron: '*/5 * * * *' });
      expect(schedule.status).toBe(201);
      // Created a day ago: its ticks since are expected, and none has a backup.
      await sql(`UPDATE schedules SET updated_at = now() - interval '1 day' WHERE id = $1`, [schedule.body.scheduleId]);
      for (let hour = 35; hour >= 1; hour--) await success(ids.echo!, hour, 36 - hour);
    });

    it('lists every registered database once, worst first, each with exactly what the console shows', async () => {
      const before = Date.now();
      const { status, body } = await client.get('/overview');
      expect(status).toBe(200);
      expect(body.map((row: { name: string }) => row.name)).toEqual(['bravo', 'charlie', 'delta', 'alpha', 'echo']);
      const [bravo, charlie, delta, alpha, echo] = body;

      expect(bravo).toEqual({
        databaseId: ids.bravo,
        name: 'bravo',
        engine: 'mariadb',
        state: 'failed',
        freshness: 'late',
        latestBackup: { backupId: ids.bravoFailed, status: 'failed', trigger: 'schedule', requestedAt: expect.any(String), error: 'mariadb-dump: Got error: 2002' },
        lastSuccess: { backupId: ids.bravoSuccess, requestedAt: expect.any(String), finishedAt: expect.any(String), sizeBytes: 500 },
        nextRunAt: null,
        missedSchedule: false,
        lastDrill: null,
        restoreTimeSeconds: null,
        warnings: [],
        anomalies: [],
        sizes: [500],
      });
      expect(Math.abs(Date.parse(bravo.lastSuccess.requestedAt) - (before - 30 * HOUR_MS))).toBeLessThan(10_000);

      expect(charlie).toMatchObject({ state: 'missed', freshness: 'none', missedSchedule: true, latestBackup: null, lastSuccess: null, sizes: [] });
      const next = Date.parse(charlie.nextRunAt);
      expect(next).toBeGreaterThan(before - 1000);
      expect(next).toBeLessThanOrEqual(before + 5 * 60_000);
      expect(next % (5 * 60_000)).toBe(0);

      expect(delta).toEqual({
        databaseId: ids.delta,
        name: 'delta',
        engine: 'postgres',
        state: 'never',
        freshness: 'none',
        latestBackup: null,
        lastSuccess: null,
        nextRunAt: null,
        missedSchedule: false,
        lastDrill: null,
        restoreTimeSeconds: null,
        warnings: [],
        anomalies: [],
        sizes: [],
      });

      expect(alpha).toMatchObject({
        state: 'warning',
        freshness: 'fresh',
        latestBackup: { backupId: ids.alphaLast, status: 'success', trigger: 'manual', error: null },
        lastSuccess: { backupId: ids.alphaLast, sizeBytes: 2000 },
        lastDrill: { status: 'success', drillId: expect.stringMatching(/^\d+$/) },
        restoreTimeSeconds: 12.5,
        warnings: ['FLOAT column t.f prints 6 significant digits'],
        anomalies: [{ kind: 'size-growth', message: anomaly.message }],
        sizes: [1000, 2000],
      });

      // The last 30 of 35 successful backups, oldest first.
      expect(echo).toMatchObject({ state: 'ok', freshness: 'fresh', sizes: Array.from({ length: 30 }, (_, index) => index + 6) });
    });

    it("needs the 'read' scope", async () => {
      const created = await client.post('/api-keys', { name: 'trigger-only', scopes: ['backup'] });
      const answer = await new ApiClient(api, created.body.key).get('/overview');
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ error: "This API key lacks the 'read' scope" });
      expect((await new ApiClient(api, null).get('/overview')).status).toBe(401);
    });
  });

  describe('GET /api-keys/current', () => {
    it('describes the calling key, whatever its scopes, and never the key itself', async () => {
      const admin = await client.get('/api-keys/current');
      expect(admin.status).toBe(200);
      expect(admin.body).toEqual({
        apiKeyId: expect.stringMatching(/^\d+$/),
        name: 'ADMIN_API_KEY',
        prefix: env.adminKey.slice(0, 12),
        scopes: ['admin'],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
      const created = await client.post('/api-keys', { name: 'deleter', scopes: ['delete'] });
      const deleter = new ApiClient(api, created.body.key);
      const answer = await deleter.get('/api-keys/current');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        apiKeyId: created.body.apiKeyId,
        name: 'deleter',
        prefix: created.body.prefix,
        scopes: ['delete'],
        createdAt: created.body.createdAt,
      });
      expect((await deleter.get('/api-keys')).status).toBe(403);
      expect((await client.delete(`/api-keys/${created.body.apiKeyId}`)).status).toBe(204);
      const revoked = await deleter.get('/api-keys/current');
      expect(revoked.status).toBe(401);
      expect(revoked.body).toEqual({ error: 'Missing or invalid API key' });
      const anonymous = await new ApiClient(api, null).get('/api-keys/current');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  describe('POST /databases/:id/retention/preview', () => {
    it('previews an unsaved policy and changes nothing', async () => {
      const oldest = await sql<{ id: string }>(
        `SELECT id FROM backups WHERE database_id = $1 ORDER BY requested_at DESC, id DESC OFFSET 30`,
        [ids.echo],
      );
      const preview = await client.post(`/databases/${ids.echo}/retention/preview`, { keepLast: 30 });
      expect(preview.status).toBe(200);
      expect(preview.body.databaseId).toBe(ids.echo);
      expect(preview.body.policy).toEqual({ keepLast: 30, keepDays: null, gfs: { daily: null, weekly: null, monthly: null } });
      expect(preview.body.delete.map((backup: { backupId: string }) => backup.backupId)).toEqual(oldest.map((row) => String(row.id)));
      expect(preview.body.delete[0].reason).toBe('not among the last 30');
      expect(preview.body.keep).toHaveLength(30);
      expect(preview.body.keep[0].keptBy).toEqual(['newest', 'keepLast']);

      const everything = await client.post(`/databases/${ids.echo}/retention/preview`, {});
      expect(everything.status).toBe(200);
      expect(everything.body.delete).toEqual([]);
      expect(everything.body.keep).toHaveLength(35);

      expect((await client.get(`/databases/${ids.echo}/retention`)).body).toEqual({
        keepLast: null,
        keepDays: null,
        gfs: { daily: null, weekly: null, monthly: null },
      });
      expect(await sql(`SELECT count(*)::int AS n FROM backups WHERE database_id = $1`, [ids.echo])).toEqual([{ n: 35 }]);
    });

    it('validates the policy as PUT does, and answers 404 for an unknown database', async () => {
      const invalid = await client.post(`/databases/${ids.echo}/retention/preview`, { keepLast: 0 });
      const put = await client.request('PUT', `/databases/${ids.echo}/retention`, { keepLast: 0 });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toEqual(put.body);
      const missing = await client.post('/databases/999999/retention/preview', { keepLast: 1 });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'Database not found' });
    });
  });
});
