import { ApiClient } from './support/api-client.js';
import { withClient } from './support/postgres.js';
import { RawConnection, rawRequest } from './support/raw-http.js';
import { type ApiProcess, sleep } from './support/service-processes.js';
import { startApiStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHUTTING_DOWN = 'Service unavailable: shutting down; try another instance or again shortly';

/** The API's JSON log lines (pino), parsed; anything else it printed is skipped. */
function logLines(api: ApiProcess): Array<Record<string, any>> {
  return api.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** A JSON document `depth` arrays deep, as the value of `databaseId`. */
function nested(depth: number): string {
  return `{"databaseId":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/**
 * What reaches the API before Nest's own code does: a body nested thousands of levels deep, a URL the router or
 * the HTTP parser refuses, a request that arrives while the server shuts down. Each is answered in the one error
 * shape, `{"error": "..."}`, and every request is logged at info level with the id echoed in X-Request-Id.
 */
describe('HTTP edges: JSON depth, framework errors, request ids', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let client: ApiClient;
  let port: number;
  let databaseId: string;

  beforeAll(async () => {
    ({ env, api, client } = await startApiStack());
    port = Number(new URL(api.url).port);
    const created = await client.post('/databases', postgresRegistration('edges', env.metadataDatabase));
    expect(created.status).toBe(201);
    databaseId = created.body.databaseId;
  });

  afterAll(() => stopStack({ env, api }));

  async function backupCount(): Promise<number> {
    const { rows } = await withClient(env.metadataDatabase, (c) => c.query('SELECT count(*)::int AS n FROM backups'));
    return rows[0].n;
  }

  it('refuses a JSON body nested 5,000 levels deep (10 KB) with 400, before it is transformed, and keeps serving', async () => {
    const deep = nested(5000);
    expect(deep.length).toBe(10_015);
    for (const path of ['/backups', '/databases', '/webhooks']) {
      const response = await client.post(path, deep, { 'content-type': 'application/json; charset=utf-8' });
      expect({ path, status: response.status, text: response.text }).toEqual({
        path,
        status: 400,
        text: '{"error":"JSON body nests deeper than 32 levels"}',
      });
    }
    // Brackets inside strings are not nesting; 32 levels reach validation, 33 do not.
    const inString = await client.post('/backups', { databaseId: `${'['.repeat(40)}"\\` });
    expect([inString.status, inString.body]).toEqual([404, { error: 'Database not found' }]);
    const atLimit = await client.post('/backups', nested(31), { 'content-type': 'application/json' });
    expect([atLimit.status, atLimit.body.error]).toEqual([400, 'Validation failed']);
    const overLimit = await client.post('/backups', nested(32), { 'content-type': 'application/json' });
    expect([overLimit.status, overLimit.body]).toEqual([400, { error: 'JSON body nests deeper than 32 levels' }]);
    expect(await backupCount()).toBe(0);
    expect((await client.get(`/databases/${databaseId}`)).status).toBe(200);
    expect(api.output).not.toContain('Maximum call stack size exceeded');
  });

  it('answers an over-long id (414), a malformed URL (400) and oversized headers (431) with {"error": …}', async () => {
    const longId = await client.get(`/backups/${'9'.repeat(101)}`);
    expect([longId.status, longId.headers.get('content-type'), longId.text]).toEqual([
      414,
      'application/json; charset=utf-8',
      '{"error":"URI too long: a path parameter is longer than allowed"}',
    ]);
    expect(longId.headers.get('x-request-id')).toMatch(UUID);
    const id100 = await client.get(`/backups/${'9'.repeat(100)}`);
    expect([id100.status, id100.text]).toEqual([404, '{"error":"Backup not found"}']);

    const badUrl = await rawRequest(port, 'GET /backups/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([badUrl.status, badUrl.body]).toEqual([400, '{"error":"Malformed URL"}']);

    const hugeUrl = await rawRequest(port, `GET /backups/${'1'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect([hugeUrl.status, hugeUrl.headers['content-type'], hugeUrl.body]).toEqual([
      431,
      'application/json; charset=utf-8',
      '{"error":"Request headers (or URL) too large"}',
    ]);

    const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.status, garbage.body]).toEqual([400, '{"error":"Malformed HTTP request"}']);
  });

  it('logs every request at info level with its id, echoed in X-Request-Id (taken from the caller when well-formed)', async () => {
    const given = 'trace-42.a:b_C-9';
    const ok = await client.request('GET', `/databases/${databaseId}`, undefined, { 'x-request-id': given });
    expect([ok.status, ok.headers.get('x-request-id')]).toEqual([200, given]);
    const missing = await client.request('GET', '/backups/987654', undefined, { 'x-request-id': `${given}-404` });
    expect([missing.status, missing.headers.get('x-request-id')]).toEqual([404, `${given}-404`]);

    const generated: string[] = [];
    for (const malformed of ['has space', 'x'.repeat(129), 'semi;colon', 'a/b']) {
      const response = await client.request('GET', `/databases/${databaseId}`, undefined, { 'x-request-id': malformed });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      generated.push(response.headers.get('x-request-id')!);
    }
    const none = await client.get('/backups');
    expect(none.headers.get('x-request-id')).toMatch(UUID);
    generated.push(none.headers.get('x-request-id')!);
    expect(new Set(generated).size).toBe(generated.length);

    await sleep(200);
    const lines = logLines(api);
    const completed = (id: string) => lines.filter((line) => line.req?.id === id && line.msg === 'request completed');
    expect(completed(given)).toEqual([
      expect.objectContaining({ level: 30, req: expect.objectContaining({ id: given, method: 'GET', url: `/databases/${databaseId}` }), res: expect.objectContaining({ statusCode: 200 }) }),
    ]);
    expect(completed(`${given}-404`)).toEqual([
      expect.objectContaining({ level: 30, req: expect.objectContaining({ id: `${given}-404`, method: 'GET', url: '/backups/987654' }), res: expect.objectContaining({ statusCode: 404 }) }),
    ]);
    for (const id of generated) expect(completed(id)).toHaveLength(1);
    // The key never reaches the log.
    expect(api.output).not.toContain(env.adminKey);
  });

  it('answers a request that arrives while the API shuts down with 503 {"error": …}, after finishing the running one', async () => {
    const triggered = await client.post('/backups', { databaseId });
    expect(triggered.status).toBe(202);
    const { backupId } = triggered.body;
    const auth = `Authorization: Bearer ${env.adminKey}\r\nHost: x\r\n`;
    const connection = new RawConnection(port);
    try {
      // No worker: the backup stays queued, so this long poll runs for its full 4 s.
      connection.send(`GET /backups/${backupId}?waitSeconds=4 HTTP/1.1\r\n${auth}\r\n`);
      await sleep(500);
      api.child.kill('SIGTERM');
      await sleep(700);
      connection.send(`GET /databases/${databaseId} HTTP/1.1\r\n${auth}X-Request-Id: during-shutdown\r\n\r\n`);
      const [running, refused] = await connection.responses(2);
      expect([running?.status, JSON.parse(running?.body ?? '{}').status]).toEqual([200, 'queued']);
      expect(refused).toEqual({
        status: 503,
        headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8', connection: 'close', 'x-request-id': 'during-shutdown' }),
        body: JSON.stringify({ error: SHUTTING_DOWN }),
      });
    } finally {
      connection.close();
    }
    await api.stop();
  });
});
