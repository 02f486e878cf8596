import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort, sleep, tracked } from './service-processes.js';

/**
 * A redis-server of the test's own on a free loopback port, without persistence, so that a test may stop, freeze
 * or flush it without touching the shared Redis. `start()` after `stop()` brings it back on the same port, empty.
 */
export class PrivateRedis {
  private server?: ChildProcess;
  output = '';

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
    const server = tracked(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    server.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.server = server;
    const deadline = Date.now() + 10_000;
    while (!(await this.ping())) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${this.output}`);
      await sleep(50);
    }
  }

  /** Stops the server (its data is gone: no persistence). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP: the port still accepts connections but nothing answers. */
  freeze(): void {
    this.server?.kill('SIGSTOP');
  }

  thaw(): void {
    this.server?.kill('SIGCONT');
  }

  async ping(): Promise<boolean> {
    return this.withClient((redis) => redis.ping()).then(
      (reply) => reply === 'PONG',
      () => false,
    );
  }

  async flushAll(): Promise<void> {
    await this.withClient((redis) => redis.flushall());
  }

  async withClient<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await fn(redis);
    } finally {
      redis.disconnect();
    }
  }
}
