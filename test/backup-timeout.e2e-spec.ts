import { ApiClient } from './support/api-client.js';
import { createLockableDatabase, serviceSessions, lockTable, type TableLock } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, storedFiles, type TestEnv } from './support/test-env.js';

/** A dump held up by a lock runs past BACKUP_TIMEOUT_SECONDS: it is killed and the backup fails, "timed out". */
describe('Per-backup time limit', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let lock: TableLock | undefined;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack({ BACKUP_TIMEOUT_SECONDS: '2' }));
  });

  afterAll(async () => {
    await lock?.release();
    await stopStack({ env, api, worker });
  });

  it('kills the dump, fails the backup with "timed out", and leaves no file and no session', async () => {
    const source = await ownedDatabase(env, 'timeout_src', createLockableDatabase);
    lock = await lockTable(source);
    const databaseId = (
      await client.post('/databases', postgresRegistration('t', source))
    ).body.databaseId;
    const backup = await client.waitForBackup((await client.post('/backups', { databaseId })).body.backupId, 30_000);
    expect(backup).toMatchObject({ status: 'failed', error: 'Backup timed out after 2 s', fileLocation: null });
    expect(await storedFiles(env)).toEqual([]);
    expect(await serviceSessions(source)).toBe(0);
  });
});
