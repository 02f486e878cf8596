import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { type ApiProcess, startApi } from './support/service-processes.js';
import { createTestEnv, listRedisKeys, PG_HOST, PG_PORT, PG_USER, REDIS_URL, type TestEnv } from './support/test-env.js';

const PASSWORD = 'Sup3r-Secret-Passw0rd';

function registration(overrides: Record<string, unknown> = {}) {
  return {
    name: 'my_database',
    engine: 'postgres',
    host: PG_HOST,
    port: PG_PORT,
    database: 'postgres',
    username: PG_USER,
    password: PASSWORD,
    ...overrides,
  };
}

/** The API alone, with no worker: backups stay queued, which is what these contract tests need. */
describe('HTTP contract (API process only)', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env.vars);
    client = new ApiClient(api);
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  describe('databases', () => {
    let databaseId: string;

    it('registers a database: 201 with the record, a string id and no password', async () => {
      const response = await client.post('/databases', registration());
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        databaseId: expect.stringMatching(/^\d+$/),
        name: 'my_database',
        engine: 'postgres',
        host: PG_HOST,
        port: PG_PORT,
        database: 'postgres',
        username: PG_USER,
        compression: 'zstd',
        encrypted: false,
        storageTargetId: null,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
      expect(response.text).not.toContain(PASSWORD);
      databaseId = response.body.databaseId;
    });

    it('stores the password encrypted, never in clear', async () => {
      const stored = await withClient(env.metadataDatabase, (c) =>
        c.query<{ password_encrypted: string }>('SELECT password_encrypted FROM databases WHERE id = $1', [databaseId]),
      );
      expect(stored.rows[0]!.password_encrypted).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
      expect(stored.rows[0]!.password_encrypted).not.toContain(PASSWORD);
    });

    it('refuses a second database with the same name (409)', async () => {
      const response = await client.post('/databases', registration());
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ error: 'A database named "my_database" is already registered' });
    });

    it('lists, gets and patches registrations without ever returning the password', async () => {
      const list = await client.get('/databases');
      expect(list.status).toBe(200);
      expect(list.body.map((d: any) => d.databaseId)).toEqual([databaseId]);
      const one = await client.get(`/databases/${databaseId}`);
      expect(one.status).toBe(200);
      expect(one.body.name).toBe('my_database');
      const patched = await client.patch(`/databases/${databaseId}`, { name: 'renamed', password: 'an0ther-secret' });
      expect(patched.status).toBe(200);
      expect(patched.body.name).toBe('renamed');
      expect(patched.text).not.toContain('an0ther-secret');
      expect(list.text + one.text).not.toContain(PASSWORD);
    });

    it('tests the connection with the stored credentials', async () => {
      const response = await client.post(`/databases/${databaseId}/test`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ok: true, serverVersion: expect.stringMatching(/^\d+\.\d+/), latencyMs: expect.any(Number) });
    });

    it('reports a failed connection test with a clear error (422)', async () => {
      const created = await client.post('/databases', registration({ name: 'broken', database: 'no_such_database' }));
      const response = await client.post(`/databases/${created.body.databaseId}/test`);
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        error: 'Connection test failed: Cannot connect to PostgreSQL: database "no_such_database" does not exist',
      });
    });

    it('rejects invalid registrations with field-level details (400)', async () => {
      const response = await client.post('/databases', registration({ host: '-oProxyCommand=evil', port: 70000, extra: 1 }));
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('Validation failed');
      expect(response.body.details.map((d: any) => d.field).sort()).toEqual(['extra', 'host', 'port']);
    });

    it('answers 404 "Database not found" for unknown and malformed ids', async () => {
      for (const id of ['999999', 'abc', '-1']) {
        const response = await client.get(`/databases/${id}`);
        expect(response.status).toBe(404);
        expect(response.body).toEqual({ error: 'Database not found' });
      }
    });

    it('answers 500 "Internal server error" without details when stored credentials cannot be decrypted', async () => {
      const created = await client.post('/databases', registration({ name: 'corrupted' }));
      await withClient(env.metadataDatabase, (c) =>
        c.query("UPDATE databases SET password_encrypted = 'v1:AAAA:BBBB:CCCC' WHERE id = $1", [created.body.databaseId]),
      );
      const response = await client.post(`/databases/${created.body.databaseId}/test`);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'Internal server error' });
    });
  });

  describe('backups (the spec)', () => {
    let databaseId: string;

    beforeAll(async () => {
      databaseId = (await client.post('/databases', registration({ name: 'spec_db' }))).body.databaseId;
    });

    it('GET /backups is an array', async () => {
      const response = await client.get('/backups');
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
    });

    it('POST /backups for an unknown database: 404 {"error":"Database not found"}', async () => {
      for (const id of ['123456', 'abc']) {
        const response = await client.post('/backups', { databaseId: id });
        expect(response.status).toBe(404);
        expect(response.text).toBe('{"error":"Database not found"}');
      }
    });

    let queuedId: string;

    it('POST /backups queues a backup and a job whose id derives from the backup id, holding ids only', async () => {
      const response = await client.post('/backups', { databaseId });
      expect(response.status).toBe(202);
      expect(response.body.message).toBe(`Backup triggered for database ID ${databaseId}`);
      queuedId = response.body.backupId;
      const details = await client.get(`/backups/${queuedId}`);
      expect(details.body).toMatchObject({ status: 'queued', fileLocation: null, sizeBytes: null, checksum: null, startedAt: null });
      const keys = await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-${queuedId}`);
      expect(keys).toEqual([`${env.queuePrefix}:backups:backup-${queuedId}`]);
    });

    it('answers 409 naming the unfinished backup while one of the database is queued or running', async () => {
      const second = await client.post('/backups', { databaseId });
      expect(second.status).toBe(409);
      expect(second.body).toEqual({ error: `A backup of this database is already queued or running (backup ${queuedId})` });
    });

    it('refuses to unregister a database with a queued backup (409), then a queued backup can be deleted', async () => {
      const refused = await client.delete(`/databases/${databaseId}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({ error: 'Database has backups queued or running; delete it once they finish' });
      const deleted = await client.delete(`/backups/${queuedId}`);
      expect(deleted.status).toBe(204);
      expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-${queuedId}`)).toEqual([]);
    });

    it('of concurrent POST /backups for one database, exactly one is accepted', async () => {
      const other = (await client.post('/databases', registration({ name: 'concurrent_db' }))).body.databaseId;
      const responses = await Promise.all(Array.from({ length: 10 }, () => client.post('/backups', { databaseId: other })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      const rows = await withClient(env.metadataDatabase, (c) => c.query('SELECT status FROM backups WHERE database_id = $1', [other]));
      expect(rows.rows).toEqual([{ status: 'queued' }]);
    });

    it('refuses to delete a running backup (409)', async () => {
      const triggered = await client.post('/backups', { databaseId });
      await withClient(env.metadataDatabase, (c) =>
        c.query("UPDATE backups SET status = 'running' WHERE id = $1", [triggered.body.backupId]),
      );
      const response = await client.delete(`/backups/${triggered.body.backupId}`);
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ error: 'Backup is running; it can be deleted once it has finished' });
    });

    it('GET and DELETE /backups/:id for an unknown backup: 404 {"error":"Backup not found"}', async () => {
      for (const id of ['987654', 'abc', '1.5']) {
        for (const response of [await client.get(`/backups/${id}`), await client.delete(`/backups/${id}`)]) {
          expect(response.status).toBe(404);
          expect(response.text).toBe('{"error":"Backup not found"}');
        }
      }
    });

    it('rejects a malformed body with 400 and details', async () => {
      const missing = await client.post('/backups', {});
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('Validation failed');
      expect(missing.body.details).toEqual([{ field: 'databaseId', messages: ['databaseId is required'] }]);
      const unknown = await client.post('/backups', { databaseId, force: true });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual([{ field: 'force', messages: ['property force should not exist'] }]);
    });

    it('rejects malformed JSON (400), a non-JSON content type (415) and an oversized body (413)', async () => {
      const malformed = await client.post('/backups', '{"databaseId":', { 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: expect.any(String) });
      const text = await client.post('/backups', 'databaseId=1', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(text.body).toEqual({ error: 'Unsupported Media Type' });
      const form = await client.post('/backups', 'databaseId=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      const huge = await client.post('/backups', { databaseId: 'x'.repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ error: 'Request body is too large' });
    });

    it('answers unknown routes with 404 and an error body', async () => {
      const response = await client.get('/no/such/route');
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Cannot GET /no/such/route' });
    });
  });

  describe('Redis unreachable', () => {
    let offline: ApiProcess;

    beforeAll(async () => {
      offline = await startApi({ ...env.vars, REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(() => offline?.stop());

    it('POST /backups answers 503 within 2 s and leaves no backup behind', async () => {
      const offlineClient = new ApiClient(offline);
      const databaseId = (await offlineClient.post('/databases', registration({ name: 'offline_db' }))).body.databaseId;
      const started = Date.now();
      const response = await offlineClient.post('/backups', { databaseId });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: 'Backup queue unavailable; nothing was triggered, try again shortly' });
      const rows = await withClient(env.metadataDatabase, (c) =>
        c.query('SELECT id FROM backups WHERE database_id = $1', [databaseId]),
      );
      expect(rows.rowCount).toBe(0);
    });

    it('/health/ready says Redis is down (503) while /health/live stays up', async () => {
      const offlineClient = new ApiClient(offline);
      expect((await offlineClient.get('/health/live')).body).toEqual({ status: 'ok' });
      const ready = await offlineClient.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ error: 'Not ready: redis is down' });
    });
  });

  describe('Swagger', () => {
    it('serves the UI at /docs', async () => {
      const response = await client.get('/docs');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.text).toContain('swagger-ui');
    });

    it('documents every endpoint and its error responses in /docs-json', async () => {
      const { status, body } = await client.get('/docs-json');
      expect(status).toBe(200);
      expect(Object.keys(body.paths).sort()).toEqual([
        '/api-keys',
        '/api-keys/current',
        '/api-keys/{apiKeyId}',
        '/backups',
        '/backups/{backupId}',
        '/backups/{backupId}/contents',
        '/backups/{backupId}/download',
        '/backups/{backupId}/restore',
        '/backups/{backupId}/verify',
        '/databases',
        '/databases/{databaseId}',
        '/databases/{databaseId}/drill-schedules',
        '/databases/{databaseId}/drill-schedules/{scheduleId}',
        '/databases/{databaseId}/drills',
        '/databases/{databaseId}/retention',
        '/databases/{databaseId}/retention/enforce',
        '/databases/{databaseId}/retention/preview',
        '/databases/{databaseId}/schedules',
        '/databases/{databaseId}/schedules/{scheduleId}',
        '/databases/{databaseId}/test',
        '/drills',
        '/drills/{drillId}',
        '/drills/{drillId}/cancel',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/overview',
        '/restores',
        '/restores/{restoreId}',
        '/restores/{restoreId}/aside',
        '/restores/{restoreId}/cancel',
        '/sandboxes',
        '/sandboxes/{sandboxId}',
        '/storage-targets',
        '/storage-targets/{storageTargetId}',
        '/storage-targets/{storageTargetId}/test',
        '/webhooks',
        '/webhooks/{webhookId}',
        '/webhooks/{webhookId}/deliveries',
      ]);
      expect(Object.keys(body.paths['/backups'].post.responses).sort()).toEqual(['202', '400', '401', '403', '404', '409', '500', '503']);
      expect(Object.keys(body.paths['/backups'].get.responses).sort()).toEqual(['200', '400', '401', '403', '500']);
      expect(body.paths['/backups'].get.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual([
        'cursor',
        'databaseId',
        'limit',
        'since',
        'status',
        'until',
      ]);
      expect(Object.keys(body.paths['/backups'].get.responses['200'].headers)).toEqual(['Link']);
      expect(Object.keys(body.paths['/backups/{backupId}'].get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '500']);
      expect(Object.keys(body.paths['/backups/{backupId}'].delete.responses).sort()).toEqual(['204', '401', '403', '404', '409', '500', '502']);
      expect(body.paths['/backups'].get.responses['200'].content['application/json'].example).toEqual([
        { backupId: '1', databaseId: '123', databaseName: 'my_database', status: 'success', timestamp: '2024-09-12T12:30:00Z' },
        { backupId: '2', databaseId: '124', databaseName: 'test_db', status: 'failed', timestamp: '2024-09-11T10:45:00Z' },
      ]);
      expect(body.paths['/backups'].post.responses['404'].content['application/json'].example).toEqual({ error: 'Database not found' });
      expect(body.components.schemas.CreateBackupDto.properties.databaseId.example).toBe('REPLACE_WITH_DATABASE_ID');
      expect(body.components.schemas.CreateScheduleDto.properties.cron.example).toBe('30 2 * * *');
      expect(body.components.schemas.CreateScheduleDto.required).toEqual(['cron']);
      expect(JSON.stringify(body.components.schemas.RetentionPolicyDto.properties.gfs)).toContain('#/components/schemas/GfsPolicyDto');
      expect(body.components.schemas.GfsPolicyDto.properties.weekly.example).toBe(4);
      expect(Object.keys(body.paths['/databases/{databaseId}/retention/preview'].get.responses).sort()).toEqual(['200', '401', '403', '404', '500']);
    });

    it('reads as a person works: ordered tags with descriptions, nothing pre-filled in queries, every answer described', async () => {
      const { body } = await client.get('/docs-json');
      expect(body.tags.map((tag: { name: string }) => tag.name)).toEqual([
        'databases', 'overview', 'backups', 'restores', 'drills', 'schedules', 'retention', 'storage-targets', 'webhooks', 'api-keys', 'health', 'metrics',
      ]);
      expect(body.tags.filter((tag: { description?: string }) => !tag.description)).toEqual([]);
      expect(body.info.description).toContain('### Getting started');
      const operations = Object.entries(body.paths).flatMap(([path, methods]) =>
        Object.entries(methods as Record<string, any>).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, ...operation })),
      );
      // One tag each, a declared one; the restore request sits with the backups.
      expect(operations.filter((operation) => operation.tags.length !== 1 || !body.tags.some((tag: { name: string }) => tag.name === operation.tags[0]))).toEqual([]);
      expect(body.paths['/backups/{backupId}/restore'].post.tags).toEqual(['backups']);
      // Swagger UI pre-fills a query parameter from its example or default: a pre-filled filter hides backups.
      const prefilled = operations.flatMap((operation) =>
        (operation.parameters ?? [])
          .filter((parameter: any) => parameter.in === 'query')
          .filter((parameter: any) => 'example' in parameter || 'examples' in parameter || 'example' in parameter.schema || 'default' in parameter.schema)
          .map((parameter: any) => `${operation.route} ${parameter.name}`),
      );
      expect(prefilled).toEqual([]);
      // A response header is documented on the response, never as a request parameter.
      expect(operations.filter((operation) => (operation.parameters ?? []).some((parameter: any) => parameter.in === 'header'))).toEqual([]);
      expect(Object.keys(body.paths['/backups'].post.responses['202'].headers)).toEqual(['Location']);
      const undescribed = operations.flatMap((operation) =>
        Object.entries(operation.responses as Record<string, { description?: string }>)
          .filter(([, response]) => !response.description)
          .map(([status]) => `${operation.route} ${status}`),
      );
      expect(undescribed).toEqual([]);
      // The exact 401/403 strings are the examples; the descriptions say what they mean, so each text shows once.
      const unauthorized = body.paths['/backups'].post.responses['401'];
      expect(unauthorized.content['application/json'].example).toEqual({ error: 'Missing or invalid API key' });
      expect(unauthorized.description).not.toContain('Missing or invalid API key');
      expect(body.paths['/backups'].post.responses['403'].description).not.toContain("lacks the 'backup' scope");
      // A body that names an id says that it is to be replaced.
      expect(body.paths['/backups'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateBackupDto');
      expect(body.components.schemas.CreateRestoreDto.properties.targetDatabaseId.example).toBe('REPLACE_WITH_TARGET_DATABASE_ID');
    });
  });
});
