import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, heldDumpSessions, lockTable, type TableLock, withClient } from '../support/postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { type ApiProcess, type ServiceProcess, startWorker, waitFor } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { backupRow, postgresRegistration, type TestEnv } from '../support/test-env.js';

/** The ids a worker's reconciler put back, over every pass it logged. */
function reEnqueued(output: string): string[] {
  const ids = [...output.matchAll(/Re-enqueued backups whose job was missing from Redis: ([\d, ]+)/g)].flatMap((m) => m[1]!.split(', '));
  return [...new Set(ids)].sort((a, b) => Number(a) - Number(b));
}

/**
 * PostgreSQL is the record: FLUSHALL on a running deployment's Redis drops the queued jobs and the running one;
 * the reconciler, both at worker start-up and periodically, puts them back and every backup ends in success.
 */
describe('Fault 7: Redis flushed while backups are queued', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let lock: TableLock | undefined;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    ({ env, api, client } = await startApiStack({ REDIS_URL: redis.url, RECONCILE_INTERVAL_SECONDS: '2', WORKER_CONCURRENCY: '1' }));
  });

  afterAll(async () => {
    await lock?.release();
    await stopStack({ env, api, workers });
    await redis?.stop();
  });

  async function triggerQueued(names: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      const databaseId = (await client.post('/databases', postgresRegistration(name, 'postgres'))).body.databaseId;
      ids.push((await client.post('/backups', { databaseId })).body.backupId);
    }
    return ids;
  }

  it('puts back the jobs of queued backups on worker start-up', async () => {
    const backupIds = await triggerQueued(['s0', 's1', 's2']);
    await redis.flushAll();
    expect(await redis.withClient((r) => r.dbsize())).toBe(0);

    const worker = await startWorker(env.vars);
    workers.push(worker);
    const outcomes = await Promise.all(backupIds.map((id) => client.waitForBackup(id, 60_000)));
    expect(outcomes.map((b) => b.status)).toEqual(['success', 'success', 'success']);
    expect(reEnqueued(worker.output)).toEqual(backupIds);
  });

  it('puts back the jobs of queued and running backups periodically, while the worker runs', async () => {
    const source = `flush_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createLockableDatabase(source);
    lock = await lockTable(source);
    const worker = workers[0]!;
    const lockedId = (await client.post('/backups', { databaseId: (await client.post('/databases', postgresRegistration('locked', source))).body.databaseId })).body.backupId;
    await waitFor(async () => ((await heldDumpSessions(source)) === 1 ? true : undefined), 30_000);
    // The only slot of the worker is taken: these stay queued.
    const queuedIds = await triggerQueued(['p0', 'p1', 'p2']);
    const before = reEnqueued(worker.output);

    await redis.flushAll();
    const expected = [lockedId, ...queuedIds].sort((a, b) => Number(a) - Number(b));
    await waitFor(async () => {
      const now = reEnqueued(worker.output).filter((id) => !before.includes(id));
      return now.length === expected.length ? now : undefined;
    }, 30_000);
    expect(reEnqueued(worker.output).filter((id) => !before.includes(id))).toEqual(expected);

    await lock.release();
    const outcomes = await Promise.all(expected.map((id) => client.waitForBackup(id, 60_000)));
    expect(outcomes.map((b) => b.status)).toEqual(['success', 'success', 'success', 'success']);
    // The dump that was running when Redis lost its job finished under its own attempt; its job, put back, found it done.
    expect((await backupRow(env, lockedId))?.attempt).toBe(1);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query("SELECT id FROM backups WHERE status IN ('queued', 'running')"));
    expect(rows).toEqual([]);
    await waitFor(async () => ((await redis.withClient((r) => r.keys(`${env.queuePrefix}:backups:backup-*`))).length === 0 ? true : undefined), 15_000);
  });
});
