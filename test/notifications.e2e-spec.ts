import { createHmac } from 'node:crypto';
import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, waitFor } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { PG_HOST, postgresRegistration, type TestEnv } from './support/test-env.js';
import { type ReceivedRequest, WebhookReceiver } from './support/webhook-receiver.js';

/** What a receiver does with the documented scheme, written out here independently of the service's code. */
function expectValidSignature(request: ReceivedRequest, secret: string): void {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-webhook-signature']));
  expect(match).not.toBeNull();
  const [, timestamp, signature] = match!;
  expect(signature).toBe(createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex'));
  expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(120);
}

describe('Webhook notifications', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let receiver: WebhookReceiver;
  let source: string;
  const databases: Record<'good' | 'bad', { id: string; name: string }> = {} as never;
  const secrets: Record<string, string> = {};
  const webhooks: Record<string, string> = {};
  let goodBackupId: string;

  async function deliveriesOf(name: string): Promise<any[]> {
    const response = await client.get(`/webhooks/${webhooks[name]}/deliveries`);
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Waits until every delivery of the webhook is settled (delivered or failed), and returns them. */
  function settledDeliveries(name: string, count: number): Promise<any[]> {
    return waitFor(async () => {
      const rows = await deliveriesOf(name);
      return rows.length === count && rows.every((row) => row.status !== 'pending') ? rows : undefined;
    }, 30_000, 200);
  }

  beforeAll(async () => {
    // The receiver listens on loopback, which webhooks may reach only when the allowlist names it.
    ({ env, api, worker, client } = await startStack({
      WEBHOOK_BACKOFF_MS: '300',
      WEBHOOK_MAX_ATTEMPTS: '3',
      RECONCILE_INTERVAL_SECONDS: '2',
      TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1`,
    }));
    source = await ownedDatabase(env, 'webhook_src');
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g'));
    receiver = await new WebhookReceiver().start();
    for (const [name, database] of [['good', source], ['bad', `missing_${env.id}`]] as const) {
      const created = await client.post('/databases', postgresRegistration(name, database));
      expect(created.status).toBe(201);
      databases[name] = { id: created.body.databaseId, name };
    }
  });

  afterAll(async () => {
    await stopStack({ env, api, worker });
    await receiver?.stop();
  });

  it('refuses URLs that are not http(s) or point at a cloud metadata address', async () => {
    for (const [url, message] of [['ftp://example.com/hook', 'url must be an absolute http or https URL']]) {
      const response = await client.post('/webhooks', { url });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'Validation failed', details: [{ field: 'url', messages: [message] }] });
    }
    for (const [url, address] of [
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://[fd00:ec2::254]/', 'fd00:ec2::254'],
    ]) {
      const response = await client.post('/webhooks', { url });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({ error: `Target host "${address}" is not allowed: ${address} is a cloud metadata address` });
    }
    const unknownEvent = await client.post('/webhooks', { url: receiver.url('/x'), events: ['backup.started'] });
    expect(unknownEvent.status).toBe(400);
    const unknownDatabase = await client.post('/webhooks', { url: receiver.url('/x'), databaseId: '999999' });
    expect(unknownDatabase.status).toBe(404);
    expect(unknownDatabase.body).toEqual({ error: 'Database not found' });
  });

  it('creates webhooks, showing a generated secret once and never again', async () => {
    const global = await client.post('/webhooks', { url: receiver.url('/global'), events: ['backup.succeeded', 'backup.failed'] });
    expect(global.status).toBe(201);
    expect(global.body).toEqual({
      webhookId: expect.stringMatching(/^\d+$/),
      url: receiver.url('/global'),
      databaseId: null,
      events: ['backup.succeeded', 'backup.failed'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    webhooks.global = global.body.webhookId;
    secrets.global = global.body.secret;

    const bad = await client.post('/webhooks', { url: receiver.url('/bad'), databaseId: Number(databases.bad.id), secret: 'a-secret-of-my-own-choosing' });
    expect(bad.status).toBe(201);
    expect(bad.body).toMatchObject({ databaseId: databases.bad.id, secret: 'a-secret-of-my-own-choosing' });
    expect(bad.body.events).toEqual(['backup.succeeded', 'backup.failed', 'restore.succeeded', 'restore.failed', 'schedule.missed']);
    webhooks.bad = bad.body.webhookId;
    secrets.bad = bad.body.secret;

    const goodFailures = await client.post('/webhooks', { url: receiver.url('/good-failures'), databaseId: databases.good.id, events: ['backup.failed'] });
    webhooks.goodFailures = goodFailures.body.webhookId;

    const shown = await client.get(`/webhooks/${webhooks.global}`);
    expect(shown.status).toBe(200);
    expect(shown.body).not.toHaveProperty('secret');
    expect(shown.text).not.toContain(secrets.global);
    const listed = await client.get('/webhooks');
    expect(listed.body.map((w: any) => w.webhookId)).toEqual([webhooks.global, webhooks.bad, webhooks.goodFailures]);
    expect(listed.text).not.toContain('whsec_');
    expect(listed.text).not.toContain(secrets.bad);
  });

  it('delivers a failed backup, signed, to the global and the per-database webhook; a 500 is retried', async () => {
    receiver.respond('/global', 500);
    const triggered = await client.post('/backups', { databaseId: databases.bad.id });
    const failed = await client.waitForBackup(triggered.body.backupId);
    expect(failed.status).toBe('failed');

    const [delivery] = await settledDeliveries('global', 1);
    expect(delivery).toMatchObject({
      webhookId: webhooks.global,
      event: 'backup.failed',
      status: 'delivered',
      attempts: 2,
      lastResponseStatus: 200,
      lastError: null,
      finishedAt: expect.stringMatching(/Z$/),
    });
    const requests = receiver.received('/global');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expectValidSignature(request, secrets.global);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-webhook-event']).toBe('backup.failed');
      expect(request.headers['x-webhook-delivery']).toBe(delivery.deliveryId);
    }
    // Every attempt sends the same bytes (signed afresh).
    expect(requests[1]!.body).toBe(requests[0]!.body);
    const body = JSON.parse(requests[0]!.body);
    expect(body).toEqual({
      event: 'backup.failed',
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      database: databases.bad,
      backup: { ...failed },
      error: `Cannot connect to PostgreSQL: database "missing_${env.id}" does not exist`,
    });
    expect(delivery.payload).toEqual(body);

    const [perDatabase] = await settledDeliveries('bad', 1);
    expect(perDatabase).toMatchObject({ event: 'backup.failed', status: 'delivered', attempts: 1, lastResponseStatus: 200 });
    const [badRequest] = receiver.received('/bad');
    expectValidSignature(badRequest!, secrets.bad);
    expect(() => expectValidSignature(badRequest!, secrets.global)).toThrow();
    expect(await deliveriesOf('goodFailures')).toEqual([]);
  });

  it('announces a successful backup only to the webhooks that want it', async () => {
    const triggered = await client.post('/backups', { databaseId: databases.good.id });
    const succeeded = await client.waitForBackup(triggered.body.backupId);
    expect(succeeded.status).toBe('success');
    goodBackupId = succeeded.backupId;

    const deliveries = await settledDeliveries('global', 2);
    expect(deliveries[0]).toMatchObject({ event: 'backup.succeeded', status: 'delivered', attempts: 1 });
    const request = receiver.received('/global')[2]!;
    expectValidSignature(request, secrets.global);
    expect(JSON.parse(request.body)).toEqual({
      event: 'backup.succeeded',
      occurredAt: expect.any(String),
      database: databases.good,
      backup: { ...succeeded },
    });
    // Per-database webhooks of another database, or not subscribed to the event, get nothing.
    expect(await deliveriesOf('bad')).toHaveLength(1);
    expect(await deliveriesOf('goodFailures')).toEqual([]);
    expect(receiver.received('/good-failures')).toEqual([]);
  });

  it('announces a restore as an event of its target database', async () => {
    const copy = await ownedDatabase(env, 'webhook_dst');
    const target = await client.post('/databases', postgresRegistration('copy', copy));
    const created = await client.post('/webhooks', {
      url: receiver.url('/restores'), databaseId: target.body.databaseId, events: ['restore.succeeded', 'restore.failed'],
    });
    webhooks.restores = created.body.webhookId;
    secrets.restores = created.body.secret;

    const triggered = await client.post(`/backups/${goodBackupId}/restore`, { targetDatabaseId: target.body.databaseId });
    expect(triggered.status).toBe(202);
    const restored = await client.waitFor(`/restores/${triggered.body.restoreId}`);
    expect(restored.status).toBe('success');

    const [delivery] = await settledDeliveries('restores', 1);
    expect(delivery).toMatchObject({ event: 'restore.succeeded', status: 'delivered', attempts: 1 });
    const [request] = receiver.received('/restores');
    expectValidSignature(request!, secrets.restores);
    expect(JSON.parse(request!.body)).toEqual({
      event: 'restore.succeeded',
      occurredAt: expect.any(String),
      database: { id: target.body.databaseId, name: 'copy' },
      restore: restored,
    });
    // The global webhook subscribes to backup events only.
    expect((await deliveriesOf('global')).map((d) => d.event)).toEqual(['backup.succeeded', 'backup.failed']);
  });

  it('sends a pending delivery whose job never reached Redis (PostgreSQL is the record)', async () => {
    const payload = JSON.stringify({ event: 'backup.failed', occurredAt: new Date().toISOString(), database: databases.bad, backup: {}, error: 'x' });
    const { rows } = await withClient(env.metadataDatabase, (c) =>
      c.query(
        `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at) VALUES ($1, 'backup.failed', $2, now() - interval '1 minute')
         RETURNING id::text AS id`,
        [webhooks.global, payload],
      ),
    );
    const deliveries = await settledDeliveries('global', 3);
    expect(deliveries[0]).toMatchObject({ deliveryId: rows[0].id, status: 'delivered', attempts: 1, lastResponseStatus: 200 });
    const request = receiver.received('/global').at(-1)!;
    expect(request.body).toBe(payload);
    expect(request.headers['x-webhook-delivery']).toBe(rows[0].id);
    expectValidSignature(request, secrets.global);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS and records why; a disabled webhook gets nothing', async () => {
    receiver.respond('/bad', 503, 503, 503);
    const disabled = await client.patch(`/webhooks/${webhooks.global}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ url: receiver.url('/global'), events: ['backup.succeeded', 'backup.failed'], enabled: false });
    const triggered = await client.post('/backups', { databaseId: databases.bad.id });
    await client.waitForBackup(triggered.body.backupId);

    const [latest] = await settledDeliveries('bad', 2);
    expect(latest).toMatchObject({ event: 'backup.failed', status: 'failed', attempts: 3, lastResponseStatus: 503, lastError: null });
    expect(receiver.received('/bad')).toHaveLength(4);
    expect(await deliveriesOf('global')).toHaveLength(3);
  });

  it('deletes a webhook with its delivery log', async () => {
    expect((await client.delete(`/webhooks/${webhooks.bad}`)).status).toBe(204);
    expect((await client.get(`/webhooks/${webhooks.bad}/deliveries`)).status).toBe(404);
    expect((await client.get(`/webhooks/${webhooks.bad}`)).body).toEqual({ error: 'Webhook not found' });
  });

  it('never writes a webhook secret to the logs', () => {
    for (const secret of Object.values(secrets)) {
      expect(api.output).not.toContain(secret);
      expect(worker.output).not.toContain(secret);
    }
  });
});
