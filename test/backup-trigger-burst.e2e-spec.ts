import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess } from './support/service-processes.js';
import { startApiStack, stopStack } from './support/stack.js';
import { listRedisKeys, REDIS_URL, type TestEnv } from './support/test-env.js';

/** POST /backups answers each request of a burst on its own, though concurrent requests share their round trips. */
describe('POST /backups in a burst (API only, no worker)', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let databaseIds: string[];

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack());
    databaseIds = await withClient(env.metadataDatabase, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO databases (name, engine, host, port, database, username, deleted_at)
         SELECT 'burst_' || g, 'postgres', '127.0.0.1', 5432, 'd', 'u', CASE WHEN g = 40 THEN now() END
         FROM generate_series(1, 40) AS g RETURNING id::text`,
      );
      return rows.map((row) => row.id);
    });
  });

  afterAll(() => stopStack({ env, api }));

  it('one 202 per database, 409 naming it for the others, 404 for unknown or deleted databases; each 202 has its row and its job', async () => {
    const live = databaseIds.slice(0, 39);
    const deleted = databaseIds[39]!;
    // Each live database three times, interleaved, plus unknown and deleted ones, all at once.
    const targets = [...live, deleted, ...live, '999999999', ...live, 'abc'];
    const responses = await Promise.all(targets.map((databaseId) => client.post('/backups', { databaseId })));

    const accepted = new Map<string, string>();
    responses.forEach((response, index) => {
      const databaseId = targets[index]!;
      if (!live.includes(databaseId)) {
        expect([response.status, response.body]).toEqual([404, { error: 'Database not found' }]);
        return;
      }
      if (response.status === 202) {
        expect(accepted.has(databaseId)).toBe(false);
        expect(response.body).toEqual({
          message: `Backup triggered for database ID ${databaseId}`,
          backupId: expect.stringMatching(/^\d+$/),
          status: 'queued',
        });
        accepted.set(databaseId, response.body.backupId);
      }
    });
    expect([...accepted.keys()].sort()).toEqual([...live].sort());
    responses.forEach((response, index) => {
      const databaseId = targets[index]!;
      if (!live.includes(databaseId) || response.status === 202) return;
      expect([response.status, response.body]).toEqual([
        409,
        { error: `A backup of this database is already queued or running (backup ${accepted.get(databaseId)})` },
      ]);
    });

    const rows = await withClient(env.metadataDatabase, async (c) =>
      (await c.query<{ id: string; database_id: string }>(`SELECT id::text, database_id::text FROM backups WHERE status = 'queued'`)).rows,
    );
    expect(new Map(rows.map((row) => [row.database_id, row.id]))).toEqual(accepted);
    for (const backupId of accepted.values()) {
      expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-${backupId}`)).toEqual([
        `${env.queuePrefix}:backups:backup-${backupId}`,
      ]);
    }
  });
});
