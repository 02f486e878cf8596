import { lookup } from 'node:dns/promises';
import { ApiClient } from './support/api-client.js';
import { type ApiProcess, type ServiceProcess, startApi, startWorker, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const LOOPBACK_REFUSED = 'is loopback, and TARGET_HOST_ALLOWLIST does not name it';

/**
 * Webhooks follow the target host policy: metadata and link-local addresses are refused always, loopback unless
 * TARGET_HOST_ALLOWLIST names it; at registration (422) and again at each delivery, on what the name resolves to
 * then, so a webhook registered under a wider policy (or a name re-pointed since) never reaches the address.
 */
describe('Webhook targets and the target host policy', () => {
  let env: TestEnv;
  let receiver: WebhookReceiver;
  let strictApi: ApiProcess | undefined;
  let loopbackApi: ApiProcess | undefined;
  let worker: ServiceProcess | undefined;
  let localhostAddresses: string;
  let databaseId: string;

  /** The env's variables with TARGET_HOST_ALLOWLIST set (or left out). */
  function vars(allowlist?: string): Record<string, string> {
    const { TARGET_HOST_ALLOWLIST: _ignored, ...rest } = env.vars;
    return allowlist ? { ...rest, TARGET_HOST_ALLOWLIST: allowlist } : rest;
  }

  beforeAll(async () => {
    env = await createTestEnv({ WEBHOOK_MAX_ATTEMPTS: '1' });
    receiver = await new WebhookReceiver().start();
    // As the API resolves it (IPv4 first), for the exact refusal message.
    localhostAddresses = (await lookup('localhost', { all: true, order: 'ipv4first' })).map((entry) => entry.address).join(', ');
    [strictApi, loopbackApi] = await Promise.all([startApi(vars()), startApi(vars(`${PG_HOST}, 127.0.0.1, localhost`))]);
    const created = await new ApiClient(loopbackApi).post('/databases', {
      name: 'missing', engine: 'postgres', host: PG_HOST, port: PG_PORT, database: `missing_${env.id}`, username: PG_USER, password: 'x',
    });
    expect(created.status).toBe(201);
    databaseId = created.body.databaseId;
  });

  afterAll(async () => {
    await Promise.all([strictApi?.stop(), loopbackApi?.stop(), worker?.stop()]);
    await receiver?.stop();
    await env?.cleanup();
  });

  it('refuses loopback, link-local and metadata URLs at registration with 422 and creates nothing', async () => {
    const client = new ApiClient(strictApi!);
    const port = new URL(receiver.url('/')).port;
    const cases: Array<[string, string]> = [
      [`http://127.0.0.1:${port}/x`, `Target host "127.0.0.1" is not allowed: 127.0.0.1 ${LOOPBACK_REFUSED}`],
      [`http://127.1.2.3:${port}/x`, `Target host "127.1.2.3" is not allowed: 127.1.2.3 ${LOOPBACK_REFUSED}`],
      [`http://[::1]:${port}/x`, `Target host "::1" is not allowed: ::1 ${LOOPBACK_REFUSED}`],
      [`http://localhost:${port}/x`, `Target host "localhost" is not allowed: ${localhostAddresses} ${LOOPBACK_REFUSED}`],
      [`http://2130706433:${port}/x`, `Target host "127.0.0.1" is not allowed: 127.0.0.1 ${LOOPBACK_REFUSED}`],
      ['http://169.254.169.254/latest/meta-data/', 'Target host "169.254.169.254" is not allowed: 169.254.169.254 is a cloud metadata address'],
      ['http://169.254.170.2/v2/credentials', 'Target host "169.254.170.2" is not allowed: 169.254.170.2 is a cloud metadata address'],
      ['http://0xA9FEAA02/v2/credentials', 'Target host "169.254.170.2" is not allowed: 169.254.170.2 is a cloud metadata address'],
      ['http://100.100.100.200/latest/meta-data/', 'Target host "100.100.100.200" is not allowed: 100.100.100.200 is a cloud metadata address'],
      ['http://[fd00:ec2::254]/', 'Target host "fd00:ec2::254" is not allowed: fd00:ec2::254 is a cloud metadata address'],
      ['http://169.254.1.1/hook', 'Target host "169.254.1.1" is not allowed: 169.254.1.1 is a link-local address'],
      ['http://[fe80::1]/hook', 'Target host "fe80::1" is not allowed: fe80::1 is a link-local address'],
      ['http://[::ffff:169.254.170.2]/', 'Target host "::ffff:a9fe:aa02" is not allowed: ::ffff:a9fe:aa02 is a cloud metadata address'],
    ];
    for (const [url, error] of cases) {
      const response = await client.post('/webhooks', { url });
      expect({ url, status: response.status, body: response.body }).toEqual({ url, status: 422, body: { error } });
    }
    expect((await client.get('/webhooks')).body).toEqual([]);

    // Elsewhere is fine (a receiver on the backup network or the internet); a PATCH is checked the same way.
    const elsewhere = await client.post('/webhooks', { url: 'http://192.0.2.10:8080/hook' });
    expect(elsewhere.status).toBe(201);
    const patched = await client.patch(`/webhooks/${elsewhere.body.webhookId}`, { url: 'http://169.254.170.2/' });
    expect([patched.status, patched.body]).toEqual([422, { error: 'Target host "169.254.170.2" is not allowed: 169.254.170.2 is a cloud metadata address' }]);
    expect((await client.get(`/webhooks/${elsewhere.body.webhookId}`)).body.url).toBe('http://192.0.2.10:8080/hook');
    expect((await client.delete(`/webhooks/${elsewhere.body.webhookId}`)).status).toBe(204);
  });

  it('checks again at delivery: a loopback webhook is not called by a worker whose allowlist does not name loopback', async () => {
    const client = new ApiClient(loopbackApi!);
    const literal = await client.post('/webhooks', { url: receiver.url('/literal') });
    const port = new URL(receiver.url('/')).port;
    const byName = await client.post('/webhooks', { url: `http://localhost:${port}/by-name` });
    expect([literal.status, byName.status]).toEqual([201, 201]);
    const refusedMetadata = await client.post('/webhooks', { url: 'http://169.254.170.2/' });
    expect(refusedMetadata.status).toBe(422);

    worker = await startWorker(vars());
    const backup = await client.backupAndWait(databaseId);
    expect(backup.status).toBe('failed');
    const settled = async (webhookId: string) =>
      waitFor(async () => {
        const [delivery] = (await client.get(`/webhooks/${webhookId}/deliveries`)).body;
        return delivery && delivery.status !== 'pending' ? delivery : undefined;
      }, 30_000, 200);
    expect(await settled(literal.body.webhookId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastResponseStatus: null,
      lastError: `Target host "127.0.0.1" is not allowed: 127.0.0.1 ${LOOPBACK_REFUSED}`,
    });
    expect(await settled(byName.body.webhookId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastResponseStatus: null,
      lastError: `Target host "localhost" is not allowed: ${localhostAddresses} ${LOOPBACK_REFUSED}`,
    });
    expect(receiver.requests).toEqual([]);

    // The same webhooks are called by a worker whose allowlist names loopback.
    await worker.stop();
    worker = await startWorker(vars(`${PG_HOST}, 127.0.0.1`));
    const second = await client.backupAndWait(databaseId);
    expect(second.status).toBe('failed');
    await waitFor(async () => (receiver.requests.length === 2 ? true : undefined), 30_000, 200);
    expect(receiver.requests.map((request) => request.path).sort()).toEqual(['/by-name', '/literal']);
    for (const request of receiver.requests) expect(JSON.parse(request.body)).toMatchObject({ event: 'backup.failed', backup: { backupId: second.backupId } });
  });
});
