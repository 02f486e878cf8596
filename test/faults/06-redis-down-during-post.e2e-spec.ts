import { ApiClient } from '../support/api-client.js';
import { withClient } from '../support/postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { type ApiProcess, type ServiceProcess, startWorker, waitFor } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { postgresRegistration, type TestEnv } from '../support/test-env.js';

const QUEUE_DOWN = { error: 'Backup queue unavailable; nothing was triggered, try again shortly' };

/** Redis stopped, then frozen, while backups are requested: fast 503s, and nothing left that does not finish. */
describe('Fault 6: Redis down during POST /backups', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess | undefined;
  let client: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ env, api, client } = await startApiStack({ REDIS_URL: redis.url, RECONCILE_INTERVAL_SECONDS: '2' }));
  });

  afterAll(async () => {
    redis?.thaw();
    await stopStack({ env, api, worker });
    await redis?.stop();
  });

  async function register(name: string): Promise<string> {
    return (await client.post('/databases', postgresRegistration(name, 'postgres'))).body.databaseId;
  }

  async function timedPost(databaseId: string) {
    const started = Date.now();
    const response = await client.post('/backups', { databaseId });
    return { response, ms: Date.now() - started };
  }

  async function rowsOf(databaseId: string): Promise<Array<{ id: string; status: string }>> {
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query('SELECT id::text, status FROM backups WHERE database_id = $1 ORDER BY id', [databaseId]),
    );
    return rows;
  }

  it('answers 503 within 2 s while Redis is stopped or frozen, and every backup ends once Redis is back', async () => {
    const [before, stopped, frozen] = [await register('before'), await register('stopped'), await register('frozen')];
    const accepted = await client.post('/backups', { databaseId: before });
    expect(accepted.status).toBe(202);

    await redis.stop();
    const refused = await timedPost(stopped);
    expect(refused.response.status).toBe(503);
    expect(refused.response.body).toEqual(QUEUE_DOWN);
    expect(refused.ms).toBeLessThan(2_000);
    expect(await rowsOf(stopped)).toEqual([]);
    expect((await client.get('/health/live')).status).toBe(200);
    const ready = await client.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ error: 'Not ready: redis is down' });

    // Back, but empty (no persistence): the job of the backup accepted before is gone.
    await redis.start();
    await waitFor(async () => ((await client.get('/health/ready')).status === 200 ? true : undefined), 15_000);
    redis.freeze();
    const hung = await timedPost(frozen);
    expect(hung.response.status).toBe(503);
    expect(hung.response.body).toEqual(QUEUE_DOWN);
    expect(hung.ms).toBeLessThan(2_000);
    expect(await rowsOf(frozen)).toEqual([]);
    // The frozen Redis may still carry out the add it received: that job finds no row and does nothing.
    redis.thaw();

    worker = await startWorker(env.vars);
    const retried = await client.post('/backups', { databaseId: stopped });
    expect(retried.status).toBe(202);
    expect((await client.waitForBackup(accepted.body.backupId, 60_000)).status).toBe('success');
    expect((await client.waitForBackup(retried.body.backupId, 60_000)).status).toBe('success');
    await worker.waitForOutput(`Re-enqueued backups whose job was missing from Redis: ${accepted.body.backupId}`, 10_000);

    const { rows: unfinished } = await withClient(env.metadataDatabase, (c) =>
      c.query("SELECT id FROM backups WHERE status IN ('queued', 'running')"),
    );
    expect(unfinished).toEqual([]);
    const jobs = await waitFor(async () => {
      const keys = await redis.withClient((r) => r.keys(`${env.queuePrefix}:backups:backup-*`));
      return keys.length === 0 ? keys : undefined;
    }, 15_000);
    expect(jobs).toEqual([]);
  });
});
