import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, dumpSessions, lockTable, type TableLock } from '../support/postgres.js';
import { descendantsOf, killAll, type ProcessInfo } from '../support/proc.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from '../support/service-processes.js';
import { backupRow, createTestEnv, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/**
 * SIGKILL mid-dump: the dead worker's lock lapses (WORKER_LOCK_SECONDS), another worker's stalled check takes the
 * job over under a new attempt, and the sweeper removes the dead attempt's partial file.
 */
describe('Fault 1: SIGKILL to a worker mid-dump', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;
  let lock: TableLock | undefined;
  let orphans: ProcessInfo[] = [];
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '2' });
    source = `sigkill_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createLockableDatabase(source);
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await lock?.release();
    killAll(orphans);
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
    await env?.cleanup();
  });

  it('a second worker finishes the backup under attempt 2, with a complete file, and the partial file is removed', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('killed', source))).body.databaseId;
    lock = await lockTable(source);
    const first = await startWorker(env.vars);
    workers.push(first);
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    await waitFor(async () => ((await dumpSessions(source)) === 1 ? true : undefined), 30_000);
    orphans = await descendantsOf(first.pid);
    const [partial] = await storedFiles(env);
    expect(partial).toMatch(new RegExp(`backup-${backupId}-a1\\.dump\\.zst\\.[0-9a-f]{12}\\.partial$`));

    await first.stop('SIGKILL');
    expect((await backupRow(env, backupId))).toMatchObject({ status: 'running', attempt: 1 });
    const second = await startWorker(env.vars);
    workers.push(second);
    await waitFor(async () => ((await backupRow(env, backupId))?.attempt === 2 ? true : undefined), 30_000);
    await lock.release();

    const finished = await client.waitForBackup(backupId, 60_000);
    expect(finished).toMatchObject({ status: 'success', error: null });
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    expect(await backupRow(env, backupId)).toMatchObject({ status: 'success', attempt: 2 });
    const stored = finished.fileLocation.slice(env.storageDir.length + 1);
    await waitFor(async () => ((await storedFiles(env)).join() === stored ? true : undefined), 30_000);
    expect(second.output).toContain(partial);

    // The file marked success is complete: size and sha256 match the record and pg_restore reads it to the end.
    const verified = await client.post(`/backups/${backupId}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.body.verificationStatus).toBe('passed');
  });
});
