import { ApiClient, type ApiResponse } from '../support/api-client.js';
import { withClient } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess, startWorker, waitFor } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { listRedisKeys, postgresRegistration, REDIS_URL, type TestEnv } from '../support/test-env.js';

const DATABASES = 50;
const REQUESTS = 2_000;
/**
 * All 2,000 in flight at once, each on its own connection: the API listens with a 4096 backlog (Node's default of
 * 511 resets the rest), and concurrent POSTs share one INSERT and one Redis round trip, so its 10 PostgreSQL
 * connections keep up (a 503 would count as a failure here).
 */
const IN_FLIGHT = 2_000;
const CONFLICT = /^A backup of this database is already queued or running(?: \(backup (\d+)\))?$/;

/**
 * 2,000 POST /backups at once over 50 registrations (all pointing at the small `postgres` database): no 5xx, and
 * the answers, the rows, the jobs and the outcomes all agree.
 */
describe('Fault 10: 2,000 concurrent POST /backups over 50 databases', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack({ WORKER_CONCURRENCY: '1' }));
    workers.push(...(await Promise.all([startWorker(env.vars), startWorker(env.vars)])));
  });

  afterAll(() => stopStack({ env, api, workers }));

  it('answers 202 or 409 only, records a row per 202, names the unfinished backup of the same database in each 409, and finishes them all', async () => {
    const databaseIds: string[] = [];
    for (let i = 0; i < DATABASES; i++) {
      databaseIds.push((await client.post('/databases', postgresRegistration(`load_${i}`, 'postgres'))).body.databaseId);
    }
    const requests = Array.from({ length: REQUESTS }, (_, i) => databaseIds[i % DATABASES]!);
    const responses: Array<ApiResponse & { databaseId: string }> = [];
    let next = 0;
    const sender = async () => {
      while (next < requests.length) {
        const databaseId = requests[next++]!;
        responses.push({ ...(await client.post('/backups', { databaseId })), databaseId });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    expect(responses).toHaveLength(REQUESTS);

    const statuses = new Map<number, number>();
    for (const { status } of responses) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    expect(Object.fromEntries([...statuses].filter(([status]) => status !== 202 && status !== 409))).toEqual({});
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(DATABASES);

    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query<{ id: string; database_id: string }>('SELECT id::text, database_id::text FROM backups'),
    );
    const databaseOf = new Map(rows.map((row) => [row.id, row.database_id]));
    expect(rows).toHaveLength(accepted.length);
    for (const response of accepted) {
      expect(response.body.message).toBe(`Backup triggered for database ID ${response.databaseId}`);
      expect(databaseOf.get(response.body.backupId)).toBe(response.databaseId);
    }
    for (const response of responses.filter((r) => r.status === 409)) {
      const named = CONFLICT.exec(response.body.error);
      expect(named).not.toBeNull();
      if (named![1]) expect(databaseOf.get(named![1])).toBe(response.databaseId);
    }

    const outcomes = await Promise.all(accepted.map((r) => client.waitForBackup(r.body.backupId, 150_000)));
    expect(outcomes.filter((b) => b.status !== 'success')).toEqual([]);
    const jobs = await waitFor(async () => {
      const keys = await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-*`);
      return keys.length === 0 ? keys : undefined;
    }, 30_000);
    expect(jobs).toEqual([]);
  });
});
