import path from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { type ApiProcess, type ServiceProcess } from '../support/service-processes.js';
import { chinookDatabase, startStack, stopStack } from '../support/stack.js';
import { backupRow, mountTmpfs, postgresRegistration, storedFiles, type TestEnv } from '../support/test-env.js';

/**
 * Storage that refuses writes: a read-only file system, and one that fills up mid-dump (a 64 KiB tmpfs; the
 * Chinook dump is larger). Each database's files go to db-<id>/ under STORAGE_DIR, where the test mounts them.
 */
describe('Fault 8: storage not writable or full', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let source: string;
  const unmounts: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    source = await chinookDatabase(env, 'storage_src');
  });

  afterAll(async () => {
    for (const unmount of unmounts.reverse()) await unmount().catch(() => undefined);
    await stopStack({ env, api, worker });
  });

  async function backupInto(name: string, mountOptions: string) {
    const databaseId = (await client.post('/databases', postgresRegistration(name, source))).body.databaseId;
    unmounts.push(await mountTmpfs(path.join(env.storageDir, `db-${databaseId}`), mountOptions));
    const backupId = (await client.post('/backups', { databaseId })).body.backupId;
    return client.waitForBackup(backupId, 60_000);
  }

  it('read-only storage: failed, with the reason, on the first attempt', async () => {
    const backup = await backupInto('read_only', 'ro');
    expect(backup).toMatchObject({ status: 'failed', fileLocation: null, sizeBytes: null, checksum: null });
    expect(backup.error).toMatch(/^Storage is not writable: EROFS: read-only file system, open '.*\.partial'$/);
    expect((await backupRow(env, backup.backupId))?.attempt).toBe(1);
    expect(await storedFiles(env)).toEqual([]);
  });

  it('full storage: failed, with the reason, and the partial file removed', async () => {
    const backup = await backupInto('full', 'size=64k');
    expect(backup).toMatchObject({ status: 'failed', fileLocation: null, sizeBytes: null, checksum: null });
    expect(backup.error).toMatch(/No space left on device/);
    expect((await backupRow(env, backup.backupId))?.attempt).toBe(1);
    expect(await storedFiles(env)).toEqual([]);
  });

  it('/health/ready says the storage is down when STORAGE_DIR itself cannot be written', async () => {
    expect((await client.get('/health/ready')).status).toBe(200);
    unmounts.push(await mountTmpfs(env.storageDir, 'ro'));
    const ready = await client.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ error: 'Not ready: storage is down' });
    expect((await client.get('/health/live')).status).toBe(200);
  });
});
