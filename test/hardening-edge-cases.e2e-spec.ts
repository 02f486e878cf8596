import { open } from 'node:fs/promises';
import { ApiClient, bearer } from './support/api-client.js';
import { createLockableDatabase, withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, sleep, startWorker } from './support/service-processes.js';
import { ownedDatabase, startApiStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

const IN_PROGRESS = /^A backup of this database is already queued or running \(backup (\d+)\)$/;

function s3Target(name: string, overrides: Record<string, unknown> = {}) {
  return { name, kind: 's3', bucket: 'backups', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIA', secretAccessKey: 'secret', ...overrides };
}

/** Edge cases of the second hardening pass: S3 prefixes, corrupted small downloads, one 409 format, URL secrets. */
describe('Hardening edge cases', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let source: string;

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack());
    source = await ownedDatabase(env, 'edge_src', createLockableDatabase);
  });

  afterAll(() => stopStack({ env, api }));

  it('refuses an S3 prefix with "." or ".." segments at registration (400), nothing stored', async () => {
    for (const prefix of ['../../x', 'a/../b', './x', 'a/..', 'a/./b']) {
      const response = await client.post('/storage-targets', s3Target(`bad-${prefix.length}-${prefix.replace(/\W/g, '')}`, { prefix }));
      expect([prefix, response.status, response.body]).toEqual([
        prefix,
        400,
        { error: 'Validation failed', details: [{ field: 'prefix', messages: ['prefix must not contain "." or ".." path segments'] }] },
      ]);
    }
    expect((await client.get('/storage-targets')).body).toEqual([]);
    const fine = await client.post('/storage-targets', s3Target('fine', { prefix: 'prod/..x/.hidden/' }));
    expect([fine.status, fine.body.prefix]).toEqual([201, 'prod/..x/.hidden/']);
  });

  it('masks webhook query values and S3 endpoint credentials for keys without admin', async () => {
    const reader = (await client.post('/api-keys', { name: 'reader', scopes: ['read', 'backup', 'restore', 'delete'] })).body.key;
    const readClient = new ApiClient(api, reader);
    const webhook = (await client.post('/webhooks', { url: 'https://hooks.example.com/backups?token=s3cr3t&flagtoken' })).body;
    const target = (await client.post('/storage-targets', s3Target('with-userinfo', { endpoint: 'http://AKIA:pa55@127.0.0.1:9000/?sig=abc' }))).body;

    expect((await readClient.get(`/webhooks/${webhook.webhookId}`)).body.url).toBe('https://hooks.example.com/backups?token=***&***');
    const listed = (await readClient.get('/webhooks')).body;
    expect(listed.map((w: { url: string }) => w.url)).toEqual(['https://hooks.example.com/backups?token=***&***']);
    expect((await readClient.get(`/storage-targets/${target.storageTargetId}`)).body.endpoint).toBe('http://***:***@127.0.0.1:9000/?sig=***');
    const targets = (await readClient.get('/storage-targets')).text;
    expect(targets).not.toMatch(/s3cr3t|pa55|sig=abc/);
    expect(targets).toContain('"endpoint":"http://***:***@127.0.0.1:9000/?sig=***"');
    expect((await readClient.get('/webhooks')).text).not.toMatch(/s3cr3t|flagtoken/);

    // admin sees them as stored.
    expect((await client.get(`/webhooks/${webhook.webhookId}`)).body.url).toBe('https://hooks.example.com/backups?token=s3cr3t&flagtoken');
    expect((await client.get(`/storage-targets/${target.storageTargetId}`)).body.endpoint).toBe('http://AKIA:pa55@127.0.0.1:9000/?sig=abc');
  });

  it('every concurrent-POST 409 names the unfinished backup, even when backups finish during the request', async () => {
    const databaseId = (await client.post('/databases', postgresRegistration('racing', source))).body.databaseId;
    const first = await client.post('/backups', { databaseId });
    expect(first.status).toBe(202);
    const held = first.body.backupId as string;

    // No worker: the test finishes and re-queues the unfinished backup as fast as it can, as a fast worker would.
    let flipping = true;
    const flipper = withClient(env.metadataDatabase, async (c) => {
      while (flipping) {
        await c.query("UPDATE backups SET status = 'failed' WHERE id = $1", [held]);
        // Backups the API accepted meanwhile are removed, so that the held one can be unfinished again.
        await c.query('BEGIN');
        try {
          await c.query('DELETE FROM backups WHERE database_id = $1 AND id <> $2', [databaseId, held]);
          await c.query("UPDATE backups SET status = 'queued' WHERE id = $1", [held]);
          await c.query('COMMIT');
        } catch {
          await c.query('ROLLBACK');
        }
      }
    });
    const responses = [];
    for (let wave = 0; wave < 30; wave++) {
      responses.push(...(await Promise.all(Array.from({ length: 20 }, () => client.post('/backups', { databaseId })))));
    }
    flipping = false;
    await flipper;

    const statuses = new Set(responses.map((r) => r.status));
    expect([...statuses].every((status) => status === 202 || status === 409)).toBe(true);
    const conflicts = responses.filter((r) => r.status === 409).map((r) => r.body.error as string);
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts.filter((error) => !IN_PROGRESS.test(error))).toEqual([]);
  });

  describe('downloading a small corrupted file', () => {
    let worker: ServiceProcess;

    beforeAll(async () => {
      worker = await startWorker(env.vars);
    });

    afterAll(async () => {
      await worker?.stop();
    });

    it('answers 409 with an error body instead of a 500', async () => {
      const databaseId = (await client.post('/databases', postgresRegistration('small', source, { compression: 'none' }))).body.databaseId;
      const backup = await client.backupAndWait(databaseId);
      expect(backup.status).toBe('success');
      expect(backup.sizeBytes).toBeLessThan(64 * 1024);

      const file = await open(backup.fileLocation, 'r+');
      const [byte] = [Buffer.alloc(1)];
      const middle = Math.floor(backup.sizeBytes / 2);
      await file.read(byte, 0, 1, middle);
      await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, middle);
      await file.close();

      const response = await fetch(`${api.url}/backups/${backup.backupId}/download`, { headers: bearer(api) });
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('content-disposition')).toBeNull();
      expect(await response.json()).toEqual({
        error: 'Backup file failed verification: Backup file checksum does not match the record (altered)',
      });
      await sleep(100);
      expect((await client.get(`/backups/${backup.backupId}`)).status).toBe(200);
    });
  });
});
