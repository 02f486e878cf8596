import { HeldDumpStage } from '../support/held-dump.js';
import { waitFor } from '../support/service-processes.js';
import { backupFileKeys, backupRow, storedFiles } from '../support/test-env.js';

/**
 * A worker frozen past its lock (SIGSTOP) loses its job to another worker; when it resumes (SIGCONT) and finishes
 * its own dump, its status write is fenced out by the attempt number and its file is removed.
 */
describe('Fault 3: SIGSTOP a worker past its lock, then SIGCONT', () => {
  let stage: HeldDumpStage;

  beforeAll(async () => {
    // A long reconcile period: no sweep removes the frozen worker's partial file behind its back.
    stage = await HeldDumpStage.create('sigstop', { WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '3600' });
  });

  afterAll(() => stage?.teardown());

  it('keeps exactly one outcome, attempt 2, and rejects the late write of attempt 1', async () => {
    const { env, client } = stage;
    const late = await stage.startWorker();
    const backupId = await stage.triggerHeldBackup();
    late.child.kill('SIGSTOP');

    const owner = await stage.startWorker();
    await waitFor(async () => ((await backupRow(env, backupId))?.attempt === 2 ? true : undefined), 30_000);
    await stage.waitForDumpSessions(2);
    // Both dumps now run to their end: the frozen worker's pg_dump and zstd are processes of their own.
    await stage.release();
    const finished = await client.waitForBackup(backupId, 60_000);
    expect(finished).toMatchObject({ status: 'success', error: null });
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    const outcome = await backupRow(env, backupId);
    expect(outcome).toMatchObject({ status: 'success', attempt: 2 });

    late.child.kill('SIGCONT');
    await late.waitForOutput(new RegExp(`Backup ${backupId} attempt 1 lost its claim; removing its file`), 30_000);
    expect(await backupRow(env, backupId)).toEqual(outcome);
    expect(await storedFiles(env)).toEqual(backupFileKeys(stage.keyOf(finished.fileLocation)));
    await owner.waitForOutput(`Backup ${backupId} succeeded`, 10_000);
    expect(late.output).not.toContain(`Backup ${backupId} succeeded`);
  });
});
