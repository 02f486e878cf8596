import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from './support/api-client.js';
import { startS3Server } from './support/s3-server.js';
import { type ApiProcess, startApi } from './support/service-processes.js';
import { createTestEnv, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

const run = promisify(execFile);
const PASSWORD = 'Target-Passw0rd-never-shown';
const S3_SECRET = 'S3-Secret-never-shown-wJalrXUtnFEMI';
const WEBHOOK_SECRET = 'whsec-Webhook-secret-never-shown-7f3a';

function registration(host: string, name = `db_${randomBytes(3).toString('hex')}`) {
  return { name, engine: 'postgres', host, port: PG_PORT, database: 'postgres', username: PG_USER, password: PASSWORD };
}

/** `npm run credentials:rotate` as an operator runs it: keys in the environment only. */
async function rotate(vars: Record<string, string>, newKey: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.resolve('dist/cli/rotate-credentials-key.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars, NEW_CREDENTIALS_KEY: newKey },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('CREDENTIALS_KEY rotation', () => {
  let env: TestEnv;
  let api: ApiProcess | undefined;
  let databaseId: string;
  const newKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env.vars);
    const client = new ApiClient(api);
    const database = await client.post('/databases', registration('127.0.0.1'));
    expect(database.status).toBe(201);
    databaseId = database.body.databaseId;
    const target = await client.post('/storage-targets', {
      name: 'offsite',
      kind: 's3',
      bucket: 'backups',
      endpoint: 'http://127.0.0.1:9',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: S3_SECRET,
    });
    expect(target.status).toBe(201);
    const webhook = await client.post('/webhooks', { url: 'http://192.0.2.1:9/hook', secret: WEBHOOK_SECRET });
    expect(webhook.status).toBe(201);
    expect((await client.post(`/databases/${databaseId}/test`)).status).toBe(200);
    await api.stop();
    api = undefined;
  });

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('re-encrypts every stored secret under the new key, printing counts and no secret', async () => {
    const { code, stdout, stderr } = await rotate(env.vars, newKey);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).not.toContain(PASSWORD);
    expect(stdout).not.toContain(S3_SECRET);
    expect(stdout).not.toContain(WEBHOOK_SECRET);
    expect(stdout).toBe(
      'databases.password_encrypted: 1 re-encrypted, 0 already under the new key\n' +
        'storage_targets.secret_encrypted: 1 re-encrypted, 0 already under the new key\n' +
        'webhooks.secret_encrypted: 1 re-encrypted, 0 already under the new key\n' +
        'Done. Restart the API and every worker with CREDENTIALS_KEY set to the new key.\n',
    );
  });

  it('is harmless to re-run', async () => {
    const { code, stdout } = await rotate(env.vars, newKey);
    expect(code).toBe(0);
    expect(stdout).toBe(
      'databases.password_encrypted: 0 re-encrypted, 1 already under the new key\n' +
        'storage_targets.secret_encrypted: 0 re-encrypted, 1 already under the new key\n' +
        'webhooks.secret_encrypted: 0 re-encrypted, 1 already under the new key\n' +
        'Done. Restart the API and every worker with CREDENTIALS_KEY set to the new key.\n',
    );
  });

  it('the API started with the new key still connects to the registered database', async () => {
    api = await startApi({ ...env.vars, CREDENTIALS_KEY: newKey });
    const response = await new ApiClient(api).post(`/databases/${databaseId}/test`);
    expect(response.status).toBe(200);
    expect(response.body.ok).toBe(true);
  });

  it('the API started with the old key fails cleanly: a bare 500 for the client, the reason in its log', async () => {
    api = await startApi(env.vars);
    const response = await new ApiClient(api).post(`/databases/${databaseId}/test`);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'Internal server error' });
    await api.waitForOutput(/Stored credentials cannot be decrypted: was CREDENTIALS_KEY changed without re-encrypting\?/);
    expect(api.output).not.toContain(PASSWORD);
  });

  it('refuses keys that open nothing, and changes nothing', async () => {
    const wrong = { ...env.vars, CREDENTIALS_KEY: randomBytes(32).toString('base64') };
    const { code, stdout, stderr } = await rotate(wrong, randomBytes(32).toString('base64'));
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(
      /^Credentials rotation failed: databases id \d+ cannot be decrypted with CREDENTIALS_KEY nor NEW_CREDENTIALS_KEY: nothing was changed\n$/,
    );
    api = await startApi({ ...env.vars, CREDENTIALS_KEY: newKey });
    expect((await new ApiClient(api).post(`/databases/${databaseId}/test`)).status).toBe(200);
  });

  it('needs NEW_CREDENTIALS_KEY', async () => {
    const { code, stderr } = await rotate(env.vars, '');
    expect(code).toBe(1);
    expect(stderr).toBe(
      'Credentials rotation failed: NEW_CREDENTIALS_KEY must be set to 32 bytes encoded in base64 (openssl rand -base64 32)\n',
    );
  });
});

describe('Target host policy', () => {
  let env: TestEnv;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    env = await createTestEnv({ TARGET_HOST_ALLOWLIST: '127.0.0.0/8, ::1' });
  });

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('refuses metadata addresses and hosts outside TARGET_HOST_ALLOWLIST with 422, and accepts the allowed ones', async () => {
    api = await startApi(env.vars);
    const client = new ApiClient(api);
    const refusals: Array<[string, string]> = [
      ['169.254.169.254', 'Target host "169.254.169.254" is not allowed: 169.254.169.254 is a cloud metadata address'],
      ['fd00:ec2::254', 'Target host "fd00:ec2::254" is not allowed: fd00:ec2::254 is a cloud metadata address'],
      ['10.0.0.1', 'Target host "10.0.0.1" is not allowed: 10.0.0.1 is outside TARGET_HOST_ALLOWLIST'],
    ];
    for (const [host, error] of refusals) {
      const response = await client.post('/databases', registration(host));
      expect([host, response.status, response.body]).toEqual([host, 422, { error }]);
    }
    const storage = await client.post('/storage-targets', {
      name: 'metadata',
      kind: 's3',
      bucket: 'backups',
      endpoint: 'http://169.254.169.254/latest',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: S3_SECRET,
    });
    expect([storage.status, storage.body]).toEqual([
      422,
      { error: 'Target host "169.254.169.254" is not allowed: 169.254.169.254 is a cloud metadata address' },
    ]);
    expect((await client.post('/databases', registration('127.0.0.1'))).status).toBe(201);
    expect((await client.post('/databases', registration('localhost'))).status).toBe(201);
    const list = await client.get('/databases');
    expect(list.body.map((database: { host: string }) => database.host).sort()).toEqual(['127.0.0.1', 'localhost']);
  });

  it('is enforced again at connect time: a registration the allowlist no longer covers is refused', async () => {
    api = await startApi(env.vars);
    const registered = await new ApiClient(api).post('/databases', registration('127.0.0.1', 'moved_out'));
    expect(registered.status).toBe(201);
    await api.stop();

    api = await startApi({ ...env.vars, TARGET_HOST_ALLOWLIST: '10.0.0.0/8' });
    const response = await new ApiClient(api).post(`/databases/${registered.body.databaseId}/test`);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: 'Connection test failed: Target host "127.0.0.1" is not allowed: 127.0.0.1 is outside TARGET_HOST_ALLOWLIST',
    });
  });

  it('S3 endpoints: reached by name through the policy when allowed, refused once the allowlist no longer covers them', async () => {
    const server = await startS3Server();
    try {
      const port = new URL(server.endpoint).port;
      api = await startApi(env.vars);
      const created = await new ApiClient(api).post('/storage-targets', {
        name: 'by-name',
        kind: 's3',
        bucket: server.bucket,
        endpoint: `http://localhost:${port}`,
        forcePathStyle: true,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
      });
      expect(created.status).toBe(201);
      const tested = await new ApiClient(api).post(`/storage-targets/${created.body.storageTargetId}/test`);
      expect([tested.status, tested.body]).toEqual([200, { ok: true }]);
      await api.stop();

      api = await startApi({ ...env.vars, TARGET_HOST_ALLOWLIST: '10.0.0.0/8' });
      const refused = await new ApiClient(api).post(`/storage-targets/${created.body.storageTargetId}/test`);
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatch(/^Target host "localhost" is not allowed: .*127\.0\.0\.1.* is outside TARGET_HOST_ALLOWLIST$/);
    } finally {
      await server.stop();
    }
  });
});
