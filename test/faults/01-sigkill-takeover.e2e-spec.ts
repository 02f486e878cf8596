import { HeldDumpStage } from '../support/held-dump.js';
import { descendantsOf, isAlive, killAll, type ProcessInfo } from '../support/proc.js';
import { waitFor } from '../support/service-processes.js';
import { backupFileKeys, backupRow, storedFiles } from '../support/test-env.js';

/**
 * SIGKILL mid-dump: the dead worker's lock lapses (WORKER_LOCK_SECONDS), another worker's stalled check takes the
 * job over under a new attempt, and the sweeper removes the dead attempt's partial file.
 */
describe('Fault 1: SIGKILL to a worker mid-dump', () => {
  let stage: HeldDumpStage;
  let orphans: ProcessInfo[] = [];

  beforeAll(async () => {
    stage = await HeldDumpStage.create('sigkill', { WORKER_LOCK_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '2' });
  });

  afterAll(async () => {
    // Only if the test failed before checking that the tools died with their worker.
    killAll(orphans);
    await stage?.teardown();
  });

  it('a second worker finishes the backup under attempt 2, with a complete file, and the partial file is removed', async () => {
    const { env, client } = stage;
    const first = await stage.startWorker();
    const backupId = await stage.triggerHeldBackup();
    orphans = await descendantsOf(first.pid);
    expect(orphans.map((p) => p.command).sort()).toEqual(['pg_dump', 'zstd']);
    const [partial] = await storedFiles(env);
    expect(partial).toMatch(new RegExp(`backup-${backupId}-a1\\.dump\\.zst\\.[0-9a-f]{12}\\.partial$`));

    await first.stop('SIGKILL');
    // Their parent-death signal kills the dead worker's pg_dump and zstd: no orphan holds a snapshot or disk space.
    await waitFor(async () => (orphans.some((p) => isAlive(p.pid)) ? undefined : true), 10_000);
    expect(await backupRow(env, backupId)).toMatchObject({ status: 'running', attempt: 1 });
    const second = await stage.startWorker();
    await waitFor(async () => ((await backupRow(env, backupId))?.attempt === 2 ? true : undefined), 30_000);
    await stage.release();

    const finished = await client.waitForBackup(backupId, 60_000);
    expect(finished).toMatchObject({ status: 'success', error: null });
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    expect(await backupRow(env, backupId)).toMatchObject({ status: 'success', attempt: 2 });
    const stored = stage.keyOf(finished.fileLocation);
    await waitFor(async () => ((await storedFiles(env)).join() === backupFileKeys(stored).join() ? true : undefined), 30_000);
    await second.waitForOutput(partial, 10_000);

    // The file marked success is complete: size and sha256 match the record and pg_restore reads it to the end.
    const verified = await client.post(`/backups/${backupId}/verify`);
    expect(verified.status).toBe(200);
    expect(verified.body.verificationStatus).toBe('passed');
  });
});
