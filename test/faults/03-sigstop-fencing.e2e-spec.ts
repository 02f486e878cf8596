import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, dumpSessions, lockTable, type TableLock } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from '../support/service-processes.js';
import { backupRow, createTestEnv, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/**
 * A worker frozen past its lock (SIGSTOP) loses its job to another worker; when it resumes (SIGCONT) and finishes
 * its own dump, its status write is fenced out by the attempt number and its file is removed.
 */
describe('Fault 3: SIGSTOP a worker past its lock, then SIGCONT', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;
  let lock: TableLock | undefined;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    // A long reconcile period: no sweep removes the frozen worker's partial file behind its back.
    env = await createTestEnv({ WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '3600' });
    source = `sigstop_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createLockableDatabase(source);
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await lock?.release();
    for (const worker of workers) worker.child.kill('SIGCONT');
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
    await env?.cleanup();
  });

  it('keeps exactly one outcome, attempt 2, and rejects the late write of attempt 1', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('frozen', source))).body.databaseId;
    lock = await lockTable(source);
    const late = await startWorker(env.vars);
    workers.push(late);
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    await waitFor(async () => ((await dumpSessions(source)) === 1 ? true : undefined), 30_000);
    late.child.kill('SIGSTOP');

    const owner = await startWorker(env.vars);
    workers.push(owner);
    await waitFor(async () => ((await backupRow(env, backupId))?.attempt === 2 ? true : undefined), 30_000);
    await waitFor(async () => ((await dumpSessions(source)) === 2 ? true : undefined), 30_000);
    // Both dumps now run to their end: the frozen worker's pg_dump and zstd are processes of their own.
    await lock.release();
    const finished = await client.waitForBackup(backupId, 60_000);
    expect(finished).toMatchObject({ status: 'success', error: null });
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    const outcome = await backupRow(env, backupId);
    expect(outcome).toMatchObject({ status: 'success', attempt: 2 });

    late.child.kill('SIGCONT');
    await late.waitForOutput(new RegExp(`Backup ${backupId} attempt 1 lost its claim; removing its file`), 30_000);
    expect(await backupRow(env, backupId)).toEqual(outcome);
    expect(await storedFiles(env)).toEqual([finished.fileLocation.slice(env.storageDir.length + 1)]);
    expect(owner.output).toContain(`Backup ${backupId} succeeded`);
    expect(late.output).not.toContain(`Backup ${backupId} succeeded`);
  });
});
