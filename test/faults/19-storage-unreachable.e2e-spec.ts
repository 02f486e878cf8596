import { ApiClient } from '../support/api-client.js';
import { withClient } from '../support/postgres.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { type ApiProcess, type ServiceProcess, waitFor } from '../support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from '../support/stack.js';
import { backupRow, postgresRegistration, type TestEnv } from '../support/test-env.js';

/**
 * Storage that cannot be reached (the S3 server went away) is retried like a target that cannot be reached: the
 * backup goes back to `queued` with the reason, and its next attempt claims it under a new fencing token.
 */
describe('Fault 19: storage unreachable', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let s3: S3TestServer | undefined;

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    s3 = await startS3Server();
  });

  afterAll(async () => {
    await stopStack({ env, api, worker });
    await s3?.stop();
  });

  it('an S3 server that went away: the backup is retried, not failed at once', async () => {
    const source = await ownedDatabase(env, 'storage_gone');
    await withClient(source, (c) => c.query('CREATE TABLE t (id int); INSERT INTO t VALUES (1)'));
    const target = await client.post('/storage-targets', {
      name: 'going-away',
      kind: 's3',
      bucket: s3!.bucket,
      endpoint: s3!.endpoint,
      forcePathStyle: true,
      accessKeyId: s3!.accessKeyId,
      secretAccessKey: s3!.secretAccessKey,
    });
    expect(target.status).toBe(201);
    const registered = await client.post('/databases', postgresRegistration('storage-gone', source, { storageTargetId: target.body.storageTargetId }));
    expect(registered.status).toBe(201);
    await s3!.stop();
    s3 = undefined;

    const backupId = (await client.post('/backups', { databaseId: registered.body.databaseId })).body.backupId;
    const retrying = await waitFor(async () => {
      const row = await backupRow(env, backupId);
      return row?.status === 'queued' && row.attempt === 1 && row.error ? row : undefined;
    }, 30_000);
    expect(retrying.error).toMatch(/^Attempt 1 failed, retrying: .*S3/);
  });
});
