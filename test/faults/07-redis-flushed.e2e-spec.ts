import { ApiClient } from './support/api-client.js';
import { createDatabase, loadChinook } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, sleep, startApi, startWorker } from './support/service-processes.js';
import { createTestEnv, deleteRedisKeys, listRedisKeys, PG_HOST, PG_PORT, PG_USER, REDIS_URL, type TestEnv } from './support/test-env.js';

/** PostgreSQL is the record: backups whose jobs Redis lost are put back on the queue and finish. */
describe('Reconciler: Redis loses the queued jobs', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess | undefined;
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv({ RECONCILE_INTERVAL_SECONDS: '2' });
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  it('re-enqueues backups left queued after a Redis flush, and all of them end in success', async () => {
    const source = `reconcile_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createDatabase(source);
    await loadChinook(source);
    const backupIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const registration = { name: `r${i}`, engine: 'postgres', host: PG_HOST, port: PG_PORT, database: source, username: PG_USER, password: 'x' };
      const databaseId = (await client.post('/databases', registration)).body.databaseId;
      backupIds.push((await client.post('/backups', { databaseId })).body.backupId);
    }

    await deleteRedisKeys(REDIS_URL, `${env.queuePrefix}:*`);
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-*`)).toEqual([]);
    await sleep(1_200);

    worker = await startWorker(env.vars);
    const outcomes = await Promise.all(backupIds.map((id) => client.waitForBackup(id, 60_000)));
    expect(outcomes.map((b) => b.status)).toEqual(['success', 'success', 'success']);
    expect(worker.output).toContain(`Re-enqueued backups whose job was missing from Redis: ${backupIds.join(', ')}`);
  });
});
