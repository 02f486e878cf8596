import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { withClient } from '../support/postgres.js';
import { type ApiProcess, type ServiceProcess } from '../support/service-processes.js';
import { startStack, stopStack } from '../support/stack.js';
import { listRedisKeys, postgresRegistration, REDIS_URL, type TestEnv } from '../support/test-env.js';

const VALIDATION_FAILED = 'Validation failed';

/**
 * Malformed, oversized, wrong-type and injection inputs get the documented 4xx and execute nothing: no row, no
 * job, no command. Names that are valid but hostile are used literally (a database called "x; touch …" is just
 * a database that does not exist).
 */
describe('Fault 11: hostile inputs', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let databaseId: string;
  const canary = path.join(tmpdir(), `dbbackup-canary-${process.pid}-${Date.now()}`);

  beforeAll(async () => {
    ({ env, api, worker, client } = await startStack());
    databaseId = (await client.post('/databases', postgresRegistration('target', 'postgres'))).body.databaseId;
  });

  afterAll(() => stopStack({ env, api, worker }));

  async function backupCount(): Promise<number> {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT count(*)::int AS n FROM backups'));
    return rows[0].n;
  }

  it('POST /backups: malformed, wrong-type, oversized and injected bodies get 4xx and create nothing', async () => {
    const raw = (body: string, contentType = 'application/json') => client.post('/backups', body, { 'content-type': contentType });
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, unknown]> = [
      ['truncated JSON', raw('{"databaseId":'), 400, { error: expect.any(String) }],
      ['JSON array', raw('[1]'), 400, { error: VALIDATION_FAILED, details: expect.any(Array) }],
      ['JSON string', raw('"1"'), 400, { error: VALIDATION_FAILED, details: expect.any(Array) }],
      ['object id', client.post('/backups', { databaseId: { $gt: '' } }), 400, { error: VALIDATION_FAILED, details: [{ field: 'databaseId', messages: expect.any(Array) }] }],
      ['array id', client.post('/backups', { databaseId: [databaseId] }), 400, { error: VALIDATION_FAILED, details: [{ field: 'databaseId', messages: expect.any(Array) }] }],
      ['boolean id', client.post('/backups', { databaseId: true }), 400, { error: VALIDATION_FAILED, details: [{ field: 'databaseId', messages: expect.any(Array) }] }],
      ['unknown field', client.post('/backups', { databaseId, command: 'rm -rf /' }), 400, { error: VALIDATION_FAILED, details: [{ field: 'command', messages: ['property command should not exist'] }] }],
      ['prototype pollution', raw(`{"databaseId":"${databaseId}","__proto__":{"admin":true}}`), 400, { error: expect.any(String) }],
      ['SQL in the id', client.post('/backups', { databaseId: `${databaseId} OR 1=1` }), 404, { error: 'Database not found' }],
      ['statement in the id', client.post('/backups', { databaseId: `${databaseId}; DROP TABLE backups; --` }), 404, { error: 'Database not found' }],
      ['oversized body', client.post('/backups', { databaseId: 'x'.repeat(100_000) }), 413, { error: 'Request body is too large' }],
      ['form body', raw(`databaseId=${databaseId}`, 'application/x-www-form-urlencoded'), 415, { error: 'Unsupported Media Type' }],
      ['text body', raw(databaseId, 'text/plain'), 415, { error: 'Unsupported Media Type' }],
    ];
    for (const [name, response, status, body] of cases) {
      const { status: got, body: answer } = await response;
      expect({ name, status: got, body: answer }).toEqual({ name, status, body });
    }
    expect(await backupCount()).toBe(0);
    expect(await listRedisKeys(REDIS_URL, `${env.queuePrefix}:backups:backup-*`)).toEqual([]);
  });

  it('paths and queries: traversal and wrong types get 404 or 400', async () => {
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '1%27%20OR%20%271%27%3D%271', '0x1', '1e3', '-1', '99999999999999999999']) {
      const response = await client.get(`/backups/${id}`);
      expect({ id, status: response.status, body: response.body }).toEqual({ id, status: 404, body: { error: 'Backup not found' } });
    }
    for (const wait of ['abc', '-1', '61', '1;select']) {
      const response = await client.get(`/backups/1?waitSeconds=${wait}`);
      expect({ wait, status: response.status, error: response.body.error }).toEqual({ wait, status: 400, error: VALIDATION_FAILED });
    }
  });

  it('POST /databases: option and shell injection in connection fields is refused (400) and registers nothing', async () => {
    const hostile: Array<[Record<string, unknown>, string]> = [
      [{ host: '-oProxyCommand=touch /tmp/x' }, 'host'],
      [{ host: `localhost; touch ${canary}` }, 'host'],
      [{ host: '$(touch /tmp/x)' }, 'host'],
      [{ port: '5432; DROP TABLE databases' }, 'port'],
      [{ port: 99_999 }, 'port'],
      [{ username: 'postgres\nhost=evil' }, 'username'],
      [{ database: 'x'.repeat(64) }, 'database'],
      [{ engine: 'sh' }, 'engine'],
      [{ compression: 'zstd; touch /tmp/x' }, 'compression'],
    ];
    for (const [overrides, field] of hostile) {
      const response = await client.post('/databases', postgresRegistration(`hostile_${field}`, 'postgres', overrides));
      expect({ overrides, status: response.status, error: response.body.error, fields: response.body.details?.map((d: any) => d.field) }).toEqual({
        overrides,
        status: 400,
        error: VALIDATION_FAILED,
        fields: [field],
      });
    }
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT name FROM databases ORDER BY id'));
    expect(rows).toEqual([{ name: 'target' }]);
  });

  it('names that are valid but hostile are used literally by pg_dump: the backup fails, nothing runs', async () => {
    const names = [`x'; touch ${canary}; '`, `$(touch ${canary})`, 'postgres host=evil.invalid', 'postgresql://evil.invalid/db', '-h evil.invalid'];
    const backups: string[] = [];
    for (const [i, database] of names.entries()) {
      const registered = await client.post('/databases', postgresRegistration(`literal_${i}`, database));
      expect(registered.status).toBe(201);
      const triggered = await client.post('/backups', { databaseId: registered.body.databaseId });
      expect(triggered.status).toBe(202);
      backups.push(triggered.body.backupId);
    }
    for (const [i, backupId] of backups.entries()) {
      const backup = await client.waitForBackup(backupId, 60_000);
      expect(backup).toMatchObject({ status: 'failed', fileLocation: null });
      expect(backup.error).toBe(`Cannot connect to PostgreSQL: database "${names[i]}" does not exist`);
    }
    expect(existsSync(canary)).toBe(false);
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query("SELECT to_regclass('backups') IS NOT NULL AS present"));
    expect(rows).toEqual([{ present: true }]);
  });
});
