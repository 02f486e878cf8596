import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { checkRedisSettings } from '../src/core/queue/redis-settings-check.js';
import { ApiClient } from './support/api-client.js';
import { type ApiProcess, freePort, startApi, startWorker, type ServiceProcess, waitFor } from './support/service-processes.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

/** A Redis of the test's own on a free loopback port, so its settings can be anything. */
async function startRedis(dir: string, args: string[]): Promise<{ url: string; server: ChildProcess }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: 'ignore' });
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
    let env: TestEnv;
    let api: ApiProcess | undefined;
    let worker: ServiceProcess | undefined;

    afterAll(async () => {
      await worker?.stop();
      await api?.stop();
      await env?.cleanup();
    });

    it('start anyway, and log the warnings', async () => {
      const redis = await startRedis(dir, ['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no', '--save', '']);
      servers.push(redis.server);
      env = await createTestEnv({ REDIS_URL: redis.url });
      api = await startApi(env.vars);
      worker = await startWorker(env.vars);
      for (const process of [api, worker]) {
        await process.waitForOutput(/Redis maxmemory-policy is allkeys-lru/);
        await process.waitForOutput(/Redis has no persistence/);
      }
      const health = await new ApiClient(api).get('/health/ready');
      expect(health.status).toBe(200);
    });
  });
});
