import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, type ServiceProcess, waitFor } from './support/service-processes.js';
import { chinookDatabase, startStack, stopStack } from './support/stack.js';
import { PG_HOST, postgresRegistration, type TestEnv } from './support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** Written out here, independently of the service's code. */
function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe('Size anomalies: a database shrunk behind the service’s back is flagged', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let receiver: WebhookReceiver;
  let source: string;
  let databaseId: string;
  const normal: any[] = [];
  let shrunk: any;

  beforeAll(async () => {
    // The receiver listens on loopback, which webhooks may reach only when the allowlist names it.
    ({ env, api, worker, client } = await startStack({ TARGET_HOST_ALLOWLIST: `${PG_HOST}, 127.0.0.1` }));
    source = await chinookDatabase(env, 'anomaly_src');
    receiver = await new WebhookReceiver().start();
    const created = await client.post('/databases', postgresRegistration('chinook', source));
    expect(created.status).toBe(201);
    databaseId = created.body.databaseId;
    const anomalyHook = await client.post('/webhooks', { url: receiver.url('/anomaly'), databaseId, events: ['backup.anomaly'] });
    const defaultHook = await client.post('/webhooks', { url: receiver.url('/default'), databaseId });
    expect([anomalyHook.status, defaultHook.status]).toEqual([201, 201]);
    expect(defaultHook.body.events).not.toContain('backup.anomaly');
  }, 120_000);

  afterAll(async () => {
    await stopStack({ env, api, worker });
    await receiver?.stop();
  });

  it('flags none of 4 backups of the unchanged database (3 too few to judge, the 4th like the others)', async () => {
    for (let i = 0; i < 4; i++) {
      const backup = await client.backupAndWait(databaseId);
      expect(backup.status).toBe('success');
      expect(backup).not.toHaveProperty('anomalies');
      normal.push(backup);
    }
  }, 180_000);

  it('flags the backup taken after most rows were deleted: size-shrink against the median of the 4 before', async () => {
    await withClient(source, (c) => c.query('DELETE FROM playlist_track; DELETE FROM invoice_line; DELETE FROM invoice; DELETE FROM track'));
    shrunk = await client.backupAndWait(databaseId);
    expect(shrunk.status).toBe('success');
    const sizes = normal.map((backup) => backup.sizeBytes as number);
    const median = medianOf(sizes);
    expect(shrunk.sizeBytes).toBeLessThan(median / 2);
    expect(shrunk.anomalies).toEqual([
      {
        kind: 'size-shrink',
        value: shrunk.sizeBytes,
        median,
        sampleSize: 4,
        message: `Size ${shrunk.sizeBytes} bytes is under 0.5× the median of the last 4 successful backups (${median} bytes): did the dump miss data?`,
      },
    ]);
    expect((await client.get(`/backups/${shrunk.backupId}`)).body).toEqual(shrunk);
  }, 120_000);

  it('shows the anomaly in the listing on that backup only; the others keep exactly the fields of the spec', async () => {
    const listed = await client.get(`/backups?databaseId=${databaseId}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(
      [shrunk, ...[...normal].reverse()].map((backup) => ({
        backupId: backup.backupId,
        databaseId,
        databaseName: 'chinook',
        status: 'success',
        timestamp: backup.timestamp,
        trigger: 'manual',
        ...(backup === shrunk && { anomalies: shrunk.anomalies }),
      })),
    );
    for (const backup of normal) expect((await client.get(`/backups/${backup.backupId}`)).body).not.toHaveProperty('anomalies');
  });

  it('sends backup.anomaly to the webhook that names it, and not to a webhook created without events', async () => {
    const [request] = await waitFor(async () => {
      const received = receiver.received('/anomaly');
      return received.length > 0 ? received : undefined;
    }, 30_000, 100);
    expect(JSON.parse(request!.body)).toEqual({
      event: 'backup.anomaly',
      occurredAt: expect.stringMatching(/Z$/),
      database: { id: databaseId, name: 'chinook' },
      backup: shrunk,
      anomalies: shrunk.anomalies,
    });
    const defaults = await waitFor(async () => {
      const received = receiver.received('/default');
      return received.length === 5 ? received : undefined;
    }, 30_000, 100);
    expect(defaults.map((r) => JSON.parse(r.body).event)).toEqual(Array(5).fill('backup.succeeded'));
    expect(receiver.received('/anomaly')).toHaveLength(1);
  });

  it('counts it in dbbackup_backup_anomalies', async () => {
    const text = (await client.get('/metrics')).text;
    expect(text.split('\n').filter((line) => line.startsWith('dbbackup_backup_anomalies'))).toEqual([
      `dbbackup_backup_anomalies{database_id="${databaseId}",database="chinook",engine="postgres",kind="size-shrink"} 1`,
    ]);
  });

  it('documents the anomalies field, its kinds and the backup.anomaly event in Swagger', async () => {
    const { body } = await client.get('/docs-json');
    const { schemas } = body.components;
    expect(schemas.BackupSummaryDto.properties.anomalies).toEqual({ description: expect.any(String), type: 'array', items: { $ref: '#/components/schemas/BackupAnomalyDto' } });
    expect(schemas.BackupSummaryDto.required).not.toContain('anomalies');
    expect(schemas.BackupAnomalyDto.properties.kind.enum).toEqual(['size-shrink', 'size-growth', 'duration']);
    expect(schemas.BackupAnomalyDto.required).toEqual(['kind', 'value', 'median', 'sampleSize', 'message']);
    expect(schemas.CreateWebhookDto.properties.events.items.enum).toContain('backup.anomaly');
  });
});
