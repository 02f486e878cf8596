import { ApiClient } from '../support/api-client.js';
import { createLockableDatabase, heldDumpSessions, lockTable, type TableLock, withClient } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess, waitFor } from '../support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from '../support/stack.js';
import { backupRow, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/** The server ends the dump's session (pg_terminate_backend): the backup fails at once, with the reason, no file. */
describe("Fault 4: pg_terminate_backend on the dump's connection", () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let lock: TableLock | undefined;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
  });

  afterAll(async () => {
    await lock?.release();
    await stopStack({ env, api, worker });
  });

  it('fails the backup with the server\'s reason, without retrying, and removes the partial file', async () => {
    const source = await ownedDatabase(env, 'terminate_src', createLockableDatabase);
    lock = await lockTable(source);
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
