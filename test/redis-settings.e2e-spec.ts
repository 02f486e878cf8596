import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { checkRedisSettings } from '../src/core/queue/redis-settings-check.js';
import { ApiClient } from './support/api-client.js';
import { type ApiProcess, freePort, startApi, startWorker, type ServiceProcess, tracked, waitFor } from './support/service-processes.js';
import { createTestEnv, PG_HOST, PG_PORT, PG_USER, type TestEnv } from './support/test-env.js';

/** A Redis of the test's own on a free loopback port, so its settings can be anything. */
async function startRedis(dir: string, args: string[]): Promise<{ url: string; server: ChildProcess }> {
  const port = await freePort();
  const server = tracked(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: 'ignore' }));
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(async () => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG' ? true : undefined;
    } catch {
      return undefined;
    } finally {
      redis.disconnect();
    }
  }, 20_000);
  return { url, server };
}

/** A Sentinel (redis-server --sentinel) watching the master at `masterPort` under the name `name`. */
async function startSentinel(dir: string, masterPort: number, name: string): Promise<{ port: number; server: ChildProcess }> {
  const port = await freePort();
  const config = path.join(dir, `sentinel-${port}.conf`);
  await writeFile(config, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${name} 127.0.0.1 ${masterPort} 1\n`);
  const server = tracked(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }));
  await waitFor(async () => {
    const sentinel = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    sentinel.on('error', () => undefined);
    try {
      await sentinel.connect();
      const master = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
      return master?.[1] === String(masterPort) ? true : undefined;
    } catch {
      return undefined;
    } finally {
      sentinel.disconnect();
    }
  }, 20_000);
  return { port, server };
}

async function stopRedis(server: ChildProcess | undefined): Promise<void> {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exit = once(server, 'exit');
  server.kill('SIGTERM');
  await exit;
}

const silent = { warn: () => undefined, log: () => undefined };

describe('Redis settings check at start-up', () => {
  let dir: string;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'redis-settings-'));
  });

  afterAll(async () => {
    for (const server of servers) await stopRedis(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('is silent for a Redis with noeviction and AOF', async () => {
    const redis = await startRedis(dir, ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '']);
    servers.push(redis.server);
    expect(await checkRedisSettings({ host: '127.0.0.1', port: Number(new URL(redis.url).port) }, silent)).toEqual([]);
  });

  it('warns about eviction and missing persistence', async () => {
    const redis = await startRedis(dir, ['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no', '--save', '']);
    servers.push(redis.server);
    expect(await checkRedisSettings({ host: '127.0.0.1', port: Number(new URL(redis.url).port) }, silent)).toEqual([
      {
        level: 'warn',
        message: 'Redis maxmemory-policy is allkeys-lru: under memory pressure Redis may evict queued jobs; set maxmemory-policy noeviction',
      },
      {
        level: 'warn',
        message: 'Redis has no persistence (appendonly no, save ""): a Redis restart loses every waiting job; set appendonly yes',
      },
    ]);
  });

  it('warns that it could not check when CONFIG is disabled (as on managed Redis)', async () => {
    const redis = await startRedis(dir, ['--rename-command', 'CONFIG', '""', '--save', '', '--appendonly', 'no']);
    servers.push(redis.server);
    const findings = await checkRedisSettings({ host: '127.0.0.1', port: Number(new URL(redis.url).port) }, silent);
    expect(findings).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /^Could not check the Redis settings \(CONFIG GET: ERR unknown command 'CONFIG'.*\); make sure Redis runs with maxmemory-policy noeviction and appendonly yes$/,
        ),
      },
    ]);
  });

  describe('the API and the worker', () => {
    const started: Array<{ env: TestEnv; api: ApiProcess; worker: ServiceProcess }> = [];

    /** An API and a worker on their own metadata database, stopped after the tests. */
    async function startServices(vars: Record<string, string>) {
      const env = await createTestEnv(vars);
      const services = { env, api: await startApi(env.vars), worker: await startWorker(env.vars) };
      started.push(services);
      return services;
    }

    afterAll(async () => {
      for (const { env, api, worker } of started) {
        await worker.stop();
        await api.stop();
        await env.cleanup();
      }
    });

    it('start anyway, and log the warnings', async () => {
      const redis = await startRedis(dir, ['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no', '--save', '']);
      servers.push(redis.server);
      const { api, worker } = await startServices({ REDIS_URL: redis.url });
      for (const process of [api, worker]) {
        await process.waitForOutput(/Redis maxmemory-policy is allkeys-lru/);
        await process.waitForOutput(/Redis has no persistence/);
      }
      const health = await new ApiClient(api).get('/health/ready');
      expect(health.status).toBe(200);
    });

    it('through Redis Sentinel, with a hash-tagged queue prefix: run a backup end to end, its keys all under {prefix}', async () => {
      const master = await startRedis(dir, ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '']);
      servers.push(master.server);
      const masterPort = Number(new URL(master.url).port);
      const sentinel = await startSentinel(dir, masterPort, 'backups-master');
      servers.push(sentinel.server);
      const prefix = `{sentinel-${Date.now().toString(36)}}`;
      const { api } = await startServices({ REDIS_URL: `redis-sentinel://127.0.0.1:${sentinel.port}/backups-master`, QUEUE_PREFIX: prefix });
      const client = new ApiClient(api);
      expect((await client.get('/health/ready')).status).toBe(200);
      const registered = await client.post('/databases', {
        name: 'through_sentinel',
        engine: 'postgres',
        host: PG_HOST,
        port: PG_PORT,
        database: 'postgres',
        username: PG_USER,
        password: 'unused-with-trust',
      });
      expect(registered.status).toBe(201);
      const triggered = await client.post('/backups', { databaseId: registered.body.databaseId });
      expect(triggered.status).toBe(202);
      const finished = await client.waitFor(`/backups/${triggered.body.backupId}`);
      expect([finished.status, finished.error]).toEqual(['success', null]);

      const redis = new Redis({ host: '127.0.0.1', port: masterPort });
      try {
        const keys = await redis.keys('*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((key) => !key.startsWith(`${prefix}:`))).toEqual([]);
      } finally {
        redis.disconnect();
      }
      // The start-up check went through the Sentinel to the master, which is configured as it should be.
      expect(api.output).not.toMatch(/Redis maxmemory-policy is|Redis has no persistence|Could not check the Redis settings/);
    });
  });
});

