import { HeldDumpStage } from '../support/held-dump.js';
import { serviceSessions } from '../support/postgres.js';
import { descendantsOf, isAlive } from '../support/proc.js';
import { backupFileKeys, backupRow, storedFiles } from '../support/test-env.js';

/** SIGTERM mid-dump: the worker aborts the dump after its grace period, kills its tools, and the job runs again. */
describe('Fault 2: SIGTERM to a worker mid-dump', () => {
  let stage: HeldDumpStage;

  beforeAll(async () => {
    stage = await HeldDumpStage.create('sigterm', { SHUTDOWN_GRACE_SECONDS: '1' });
  });

  afterAll(() => stage?.teardown());

  it('kills pg_dump and zstd, removes the partial file, hands the backup back, and another worker finishes it', async () => {
    const { env, client } = stage;
    const first = await stage.startWorker();
    const backupId = await stage.triggerHeldBackup();
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
    expect(await serviceSessions(stage.source)).toBe(0);
    const handedBack = (await client.get(`/backups/${backupId}`)).body;
    expect(handedBack).toMatchObject({ status: 'queued', startedAt: null, error: null, fileLocation: null });
    await first.waitForOutput(`Job backup-${backupId} interrupted by shutdown; handing it back to the queue`, 10_000);
    expect(await storedFiles(env)).toEqual([]);

    await stage.release();
    await stage.startWorker();
    const finished = await client.waitForBackup(backupId);
    expect(finished.status).toBe('success');
    expect(finished.fileLocation).toMatch(new RegExp(`backup-${backupId}-a2\\.dump\\.zst$`));
    expect((await backupRow(env, backupId))?.attempt).toBe(2);
    expect(await storedFiles(env)).toEqual(backupFileKeys(stage.keyOf(finished.fileLocation)));
  });
});
