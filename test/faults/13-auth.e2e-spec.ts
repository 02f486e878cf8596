import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ApiClient } from '../support/api-client.js';
import { type ApiProcess, startApi } from '../support/service-processes.js';
import { startApiStack, stopStack } from '../support/stack.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from '../support/test-env.js';

const UNAUTHENTICATED = { error: 'Missing or invalid API key' };
const lacks = (scope: string) => ({ error: `This API key lacks the '${scope}' scope` });
const KEY_PATTERN = /^dbb_[A-Za-z0-9_-]{43}$/;
const MISSING = '999999';

type Scope = 'read' | 'backup' | 'restore' | 'delete' | 'admin';

/** One request per guarded route family, the scope it needs, and what a key holding that scope gets back. */
const ROUTES: Array<{ scope: Scope; method: string; path: string; body?: unknown; allowed: number }> = [
  { scope: 'read', method: 'GET', path: '/databases', allowed: 200 },
  { scope: 'read', method: 'GET', path: `/databases/${MISSING}`, allowed: 404 },
  { scope: 'read', method: 'GET', path: '/backups', allowed: 200 },
  { scope: 'read', method: 'GET', path: `/backups/${MISSING}`, allowed: 404 },
  { scope: 'read', method: 'GET', path: `/backups/${MISSING}/download`, allowed: 404 },
  { scope: 'read', method: 'GET', path: '/restores', allowed: 200 },
  { scope: 'read', method: 'GET', path: `/restores/${MISSING}`, allowed: 404 },
  { scope: 'read', method: 'GET', path: '/storage-targets', allowed: 200 },
  { scope: 'backup', method: 'POST', path: '/backups', body: { databaseId: MISSING }, allowed: 404 },
  { scope: 'backup', method: 'POST', path: `/backups/${MISSING}/verify`, allowed: 404 },
  { scope: 'restore', method: 'POST', path: `/backups/${MISSING}/restore`, body: {}, allowed: 404 },
  { scope: 'restore', method: 'DELETE', path: `/restores/${MISSING}/aside`, allowed: 404 },
  { scope: 'delete', method: 'DELETE', path: `/backups/${MISSING}`, allowed: 404 },
  { scope: 'admin', method: 'POST', path: '/databases', body: {}, allowed: 400 },
  { scope: 'admin', method: 'PATCH', path: `/databases/${MISSING}`, body: {}, allowed: 404 },
  { scope: 'admin', method: 'DELETE', path: `/databases/${MISSING}`, allowed: 404 },
  { scope: 'admin', method: 'POST', path: `/databases/${MISSING}/test`, allowed: 404 },
  { scope: 'admin', method: 'POST', path: '/storage-targets', body: {}, allowed: 400 },
  { scope: 'admin', method: 'DELETE', path: `/storage-targets/${MISSING}`, allowed: 404 },
  { scope: 'admin', method: 'GET', path: '/api-keys', allowed: 200 },
  { scope: 'admin', method: 'POST', path: '/api-keys', body: {}, allowed: 400 },
  { scope: 'admin', method: 'DELETE', path: `/api-keys/${MISSING}`, allowed: 404 },
];

/** Runs dist/main.js until it exits on its own; resolves with its exit code and everything it printed. */
async function runApiToExit(vars: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.resolve('dist/main.js')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

describe('13. Authentication and authorisation', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let admin: ApiClient;
  const keys = {} as Record<Exclude<Scope, 'admin'>, string>;

  async function createKey(name: string, scopes: Scope[]): Promise<{ apiKeyId: string; key: string }> {
    const response = await admin.post('/api-keys', { name, scopes });
    expect(response.status).toBe(201);
    return response.body;
  }

  beforeAll(async () => {
    ({ env, api, client: admin } = await startApiStack());
    for (const scope of ['read', 'backup', 'restore', 'delete'] as const) keys[scope] = (await createKey(`${scope}-only`, [scope])).key;
  });

  afterAll(() => stopStack({ env, api }));

  describe('401 without a valid key', () => {
    it('no Authorization header: 401 with WWW-Authenticate: Bearer', async () => {
      const response = await new ApiClient(api, null).get('/databases');
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHENTICATED);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });

    it.each([
      ['another scheme', () => `Basic ${Buffer.from(`x:${env.adminKey}`).toString('base64')}`],
      ['the key without "Bearer"', () => env.adminKey],
      ['"Bearer" alone', () => 'Bearer'],
      ['two tokens', () => `Bearer ${env.adminKey} extra`],
    ])('malformed header (%s): 401', async (_, header) => {
      const response = await new ApiClient(api, null).request('GET', '/databases', undefined, { authorization: header() });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHENTICATED);
    });

    it('unknown key: 401 on every kind of route', async () => {
      const stranger = new ApiClient(api, `dbb_${randomBytes(32).toString('base64url')}`);
      for (const route of [ROUTES[0]!, ROUTES[8]!, ROUTES[18]!]) {
        const response = await stranger.request(route.method, route.path, route.body);
        expect([route.path, response.status, response.body]).toEqual([route.path, 401, UNAUTHENTICATED]);
      }
    });

    it('the scheme name is case-insensitive', async () => {
      const response = await new ApiClient(api, null).request('GET', '/databases', undefined, { authorization: `bearer ${env.adminKey}` });
      expect(response.status).toBe(200);
    });
  });

  describe('scopes', () => {
    it.each(['read', 'backup', 'restore', 'delete'] as const)("a '%s' key may call its routes and gets 403 on every other", async (scope) => {
      const client = new ApiClient(api, keys[scope]);
      for (const route of ROUTES) {
        const response = await client.request(route.method, route.path, route.body);
        const expected = route.scope === scope ? route.allowed : 403;
        expect([route.method, route.path, response.status]).toEqual([route.method, route.path, expected]);
        if (expected === 403) expect(response.body).toEqual(lacks(route.scope));
      }
    });

    it('an admin key may call every route', async () => {
      for (const route of ROUTES) {
        const response = await admin.request(route.method, route.path, route.body);
        expect([route.method, route.path, response.status]).toEqual([route.method, route.path, route.allowed]);
      }
    });

    it('a key with several scopes has each of them', async () => {
      const { key } = await createKey('read-and-backup', ['read', 'backup']);
      const client = new ApiClient(api, key);
      expect((await client.get('/backups')).status).toBe(200);
      expect((await client.post('/backups', { databaseId: MISSING })).body).toEqual({ error: 'Database not found' });
      expect((await client.delete(`/backups/${MISSING}`)).body).toEqual(lacks('delete'));
    });

    it('a backup key triggers a real backup (202)', async () => {
      const registered = await admin.post('/databases', {
        name: 'auth_target',
        engine: 'postgres',
        host: PG_HOST,
        port: PG_PORT,
        database: 'postgres',
        username: PG_USER,
        password: 'unused',
      });
      expect(registered.status).toBe(201);
      const response = await new ApiClient(api, keys.backup).post('/backups', { databaseId: registered.body.databaseId });
      expect(response.status).toBe(202);
      expect(response.body.status).toBe('queued');
    });
  });

  describe('/api-keys', () => {
    it('is admin only', async () => {
      for (const scope of ['read', 'backup', 'restore', 'delete'] as const) {
        const client = new ApiClient(api, keys[scope]);
        expect((await client.get('/api-keys')).body).toEqual(lacks('admin'));
        expect((await client.post('/api-keys', { name: 'x', scopes: ['admin'] })).body).toEqual(lacks('admin'));
      }
    });

    it('shows a created key once: the creation answer has it, the list never does', async () => {
      const created = await admin.post('/api-keys', { name: 'shown-once', scopes: ['read'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        apiKeyId: expect.stringMatching(/^\d+$/),
        name: 'shown-once',
        prefix: created.body.key.slice(0, 12),
        scopes: ['read'],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        key: expect.stringMatching(KEY_PATTERN),
      });
      const list = await admin.get('/api-keys');
      expect(list.status).toBe(200);
      const listed = list.body.find((entry: { apiKeyId: string }) => entry.apiKeyId === created.body.apiKeyId);
      expect(listed).toEqual({
        apiKeyId: created.body.apiKeyId,
        name: 'shown-once',
        prefix: created.body.key.slice(0, 12),
        scopes: ['read'],
        createdAt: created.body.createdAt,
      });
      expect(list.text).not.toContain(created.body.key);
      expect(list.text).not.toContain(env.adminKey);
      expect(list.body.map((entry: { name: string }) => entry.name)).toContain('ADMIN_API_KEY');
    });

    it('refuses unknown scopes and empty scope lists', async () => {
      for (const scopes of [[], ['root'], ['read', 'read'], 'admin']) {
        const response = await admin.post('/api-keys', { name: 'bad', scopes });
        expect([scopes, response.status, response.body.error]).toEqual([scopes, 400, 'Validation failed']);
      }
    });

    it('DELETE revokes at once: the next request with the key is 401, and it leaves the list', async () => {
      const { apiKeyId, key } = await createKey('to-revoke', ['read']);
      const client = new ApiClient(api, key);
      expect((await client.get('/databases')).status).toBe(200);
      const revoked = await admin.delete(`/api-keys/${apiKeyId}`);
      expect(revoked.status).toBe(204);
      const after = await client.get('/databases');
      expect(after.status).toBe(401);
      expect(after.body).toEqual(UNAUTHENTICATED);
      const list = await admin.get('/api-keys');
      expect(list.body.map((entry: { apiKeyId: string }) => entry.apiKeyId)).not.toContain(apiKeyId);
      expect(await admin.delete(`/api-keys/${apiKeyId}`)).toMatchObject({ status: 404, body: { error: 'API key not found' } });
    });
  });

  describe('public routes and documentation', () => {
    it('health endpoints need no key', async () => {
      const anonymous = new ApiClient(api, null);
      expect((await anonymous.get('/health/live')).status).toBe(200);
      expect((await anonymous.get('/health/ready')).status).toBe(200);
    });

    it('/docs is reachable without a key and carries the security headers', async () => {
      const anonymous = new ApiClient(api, null);
      const docs = await anonymous.get('/docs');
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger-ui');
      expect(docs.headers.get('content-security-policy')).toBe(
        "default-src 'self';base-uri 'self';font-src 'self' data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;" +
          "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self'",
      );
      expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
      expect(docs.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(docs.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(docs.headers.get('referrer-policy')).toBe('no-referrer');
      // Every script of the page is a file served by the API itself (the CSP allows no inline script).
      const scripts = [...docs.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes).toMatch(/src="\.\/docs\/[\w.-]+\.js"/);
        expect(body!.trim()).toBe('');
        const src = /src="\.\/(docs\/[\w.-]+\.js)"/.exec(attributes!)![1];
        expect((await anonymous.get(`/${src}`)).status).toBe(200);
      }
      expect((await anonymous.get('/health/live')).headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('the OpenAPI document declares the bearer scheme on protected operations only (Swagger UI Authorize)', async () => {
      const { status, body } = await new ApiClient(api, null).get('/docs-json');
      expect(status).toBe(200);
      expect(body.components.securitySchemes['api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(body.paths['/backups'].post.security).toEqual([{ 'api-key': [] }]);
      expect(body.paths['/api-keys'].get.security).toEqual([{ 'api-key': [] }]);
      expect(body.paths['/health/live'].get.security).toBeUndefined();
      expect(body.paths['/backups'].post.responses['403'].content['application/json'].example).toEqual(lacks('backup'));
      expect(body.paths['/backups'].post.responses['401'].content['application/json'].example).toEqual(UNAUTHENTICATED);
    });
  });

  describe('rate limit (RATE_LIMIT_PER_MINUTE=5, counted in Redis across two API replicas)', () => {
    let limitedEnv: TestEnv;
    let replicas: ApiProcess[] = [];

    beforeAll(async () => {
      limitedEnv = await createTestEnv({ RATE_LIMIT_PER_MINUTE: '5' });
      replicas = [await startApi(limitedEnv.vars), await startApi(limitedEnv.vars)];
    });

    afterAll(async () => {
      for (const replica of replicas) await replica.stop();
      await limitedEnv?.cleanup();
    });

    it('the sixth request of a key within a minute gets 429 with Retry-After, on either replica', async () => {
      const [first, second] = replicas.map((replica) => new ApiClient(replica));
      const statuses: number[] = [];
      for (const client of [first!, second!, first!, second!, first!]) statuses.push((await client.get('/databases')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      for (const client of [first!, second!]) {
        const throttled = await client.get('/databases');
        expect(throttled.status).toBe(429);
        expect(throttled.body).toEqual({ error: 'Too many requests' });
        const retryAfter = Number(throttled.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    });

    it('counts per key: another key is not throttled, and health checks never are', async () => {
      const admin = new ApiClient(replicas[0]!);
      expect((await admin.get('/databases')).status).toBe(429);
      const anonymous = new ApiClient(replicas[0]!, null);
      for (let i = 0; i < 8; i++) expect((await anonymous.get('/health/live')).status).toBe(200);
      // A request without a key is counted per address and still gets its 401 first.
      expect((await anonymous.get('/databases')).status).toBe(401);
    });
  });

  describe('start-up without ADMIN_API_KEY', () => {
    it('production: refuses to start, naming the variable', async () => {
      const { code, output } = await runApiToExit({
        ...env.vars,
        NODE_ENV: 'production',
        ADMIN_API_KEY: '',
        PORT: '1',
      });
      expect(code).toBe(1);
      expect(output).toBe(
        'Invalid environment configuration:\n' +
          '  ADMIN_API_KEY: required when NODE_ENV=production (an admin API key of 24+ characters, e.g. dbb_$(openssl rand -hex 32))\n',
      );
    });

    it('development: generates an admin key, prints it once, and it works', async () => {
      const devEnv = await createTestEnv({ NODE_ENV: 'development', ADMIN_API_KEY: '' });
      let dev: ApiProcess | undefined;
      try {
        dev = await startApi(devEnv.vars);
        const printed = [...dev.output.matchAll(/ADMIN API KEY: (\S+)/g)].map((match) => match[1]!);
        expect(printed).toHaveLength(1);
        expect(printed[0]).toMatch(KEY_PATTERN);
        const generated = new ApiClient(dev, printed[0]);
        expect((await generated.get('/api-keys')).status).toBe(200);
        expect((await new ApiClient(dev, null).get('/api-keys')).status).toBe(401);
        await dev.stop();

        dev = await startApi(devEnv.vars);
        expect(dev.output).not.toContain('ADMIN API KEY');
        const keysNow = await new ApiClient(dev, printed[0]).get('/api-keys');
        expect(keysNow.status).toBe(200);
        expect(keysNow.body.map((entry: { name: string }) => entry.name)).toEqual(['generated admin key']);
      } finally {
        await dev?.stop();
        await devEnv.cleanup();
      }
    });
  });
});
