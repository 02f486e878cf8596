import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, heldDumpSessions, lockTable, type TableLock, withClient } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from '../support/service-processes.js';
import { backupRow, createTestEnv, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/** The server ends the dump's session (pg_terminate_backend): the backup fails at once, with the reason, no file. */
describe("Fault 4: pg_terminate_backend on the dump's connection", () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let lock: TableLock | undefined;

  beforeAll(async () => {
    env = await createTestEnv();
    [api, worker] = await Promise.all([startApi(env.vars), startWorker(env.vars)]);
  });

  afterAll(async () => {
    await lock?.release();
    await Promise.all([api?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  it('fails the backup with the server\'s reason, without retrying, and removes the partial file', async () => {
    const source = `terminate_src_${env.id}`;
    env.ownedDatabases.push(source);
    await createLockableDatabase(source);
    lock = await lockTable(source);
    const client = new ApiClient(api);
    const databaseId = (await client.post('/databases', postgresRegistration('terminated', source))).body.databaseId;
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    await waitFor(async () => ((await heldDumpSessions(source)) === 1 ? true : undefined), 30_000);
    expect((await storedFiles(env)).filter((f) => f.endsWith('.partial'))).toHaveLength(1);

    const { rows } = await withClient('postgres', (c) =>
      c.query(
        "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1 AND application_name = 'db-backup-service'",
        [source],
      ),
    );
    expect(rows).toEqual([{ terminated: true }]);

    const backup = await client.waitForBackup(backupId, 30_000);
    expect(backup.status).toBe('failed');
    expect(backup.error).toMatch(/^pg_dump: error: .*terminating connection due to administrator command/s);
    expect(backup.fileLocation).toBeNull();
    expect((await backupRow(env, backupId))?.attempt).toBe(1);
    expect(await storedFiles(env)).toEqual([]);
  });
});
