import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, dumpSessions, lockTable, type TableLock } from '../support/postgres.js';
import { descendantsOf, isAlive } from '../support/proc.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from '../support/service-processes.js';
import { backupRow, createTestEnv, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/** SIGTERM mid-dump: the worker aborts the dump after its grace period, kills its tools, and the job runs again. */
describe('Fault 2: SIGTERM to a worker mid-dump', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;
  let lock: TableLock | undefined;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ SHUTDOWN_GRACE_SECONDS: '1' });
    source = `sigterm_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createLockableDatabase(source);
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await lock?.release();
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
    await env?.cleanup();
  });

  it('kills pg_dump and zstd, removes the partial file, hands the backup back, and another worker finishes it', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('locked', source))).body.databaseId;
    lock = await lockTable(source);

    const first = await startWorker(env.vars);
    workers.push(first);
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    await waitFor(async () => ((await dumpSessions(source)) === 1 ? true : undefined), 30_000);
    expect((await client.get(`/backups/${backupId}`)).body.status).toBe('running');
    const tools = await descendantsOf(first.pid);
    expect(tools.map((p) => p.command).sort()).toEqual(['pg_dump', 'zstd']);
    expect((await storedFiles(env)).filter((f) => f.endsWith('.partial'))).toHaveLength(1);

    const stopping = Date.now();
    await first.stop('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks are done; no SIGKILL was needed.
    expect(first.child.signalCode).toBe('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(tools.filter((p) => isAlive(p.pid))).toEqual([]);
    expect(await dumpSessions(source)).toBe(0);
    const handedBack = (await client.get(`/backups/${backupId}`)).body;
    expect(handedBack).toMatchObject({ status: 'queued', startedAt: null, error: null, fileLocation: null });
    expect(first.output).toContain(`Job backup-${backupId} interrupted by shutdown; handing it back to the queue`);
    expect(await storedFiles(env)).toEqual([]);

    await lock.release();
    const second = await startWorker(env.vars);
    workers.push(second);
    const finished = await client.waitForBackup(backupId);
    expect(finished.status).toBe('success');
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    expect((await backupRow(env, backupId))?.attempt).toBe(2);
    expect(await storedFiles(env)).toEqual([finished.fileLocation.slice(env.storageDir.length + 1)]);
  });
});
