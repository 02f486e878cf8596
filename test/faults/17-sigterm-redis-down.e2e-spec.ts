import { HeldDumpStage } from '../support/held-dump.js';
import { PrivateRedis } from '../support/private-redis.js';
import { descendantsOf, isAlive } from '../support/proc.js';
import { sleep } from '../support/service-processes.js';

const GRACE_SECONDS = 2;
/** SHUTDOWN_CLOSE_ALLOWANCE_MS: the time closing may take after the grace period. */
const ALLOWANCE_SECONDS = 10;

/**
 * SIGTERM to a worker while its Redis is down: the job cannot be handed back, and BullMQ's close waits for Redis
 * for ever. The stop still ends, SHUTDOWN_GRACE_SECONDS + 10 s after the signal, or at once on a second signal,
 * and the log names the job left active in Redis. The dump's tools die with the worker.
 */
describe('Fault 17: SIGTERM to a worker during a Redis outage', () => {
  let redis: PrivateRedis;
  let stage: HeldDumpStage;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    stage = await HeldDumpStage.create('redisdown', { REDIS_URL: redis.url, SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) });
  });

  afterAll(async () => {
    if (!(await redis.ping())) await redis.start();
    await stage?.teardown();
    await redis?.stop();
  });

  it('mid-dump: exits with 1 after the grace period plus the close allowance, naming the job not handed back', async () => {
    const worker = await stage.startWorker();
    const backupId = await stage.triggerHeldBackup();
    const tools = await descendantsOf(worker.pid);
    expect(tools.map((p) => p.command).sort()).toEqual(['pg_dump', 'zstd']);

    await redis.stop();
    const stopping = Date.now();
    await worker.stop('SIGTERM', 40_000);
    const elapsed = Date.now() - stopping;

    expect({ code: worker.child.exitCode, signal: worker.child.signalCode }).toEqual({ code: 1, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual((GRACE_SECONDS + ALLOWANCE_SECONDS) * 1000 - 500);
    expect(elapsed).toBeLessThan((GRACE_SECONDS + ALLOWANCE_SECONDS + 3) * 1000);
    expect(worker.output).toContain(
      `Shutdown not finished ${GRACE_SECONDS + ALLOWANCE_SECONDS} s after SIGTERM (Redis or PostgreSQL unreachable?); exiting now, ` +
        `jobs not handed back (another worker takes them once their locks expire): backups job backup-${backupId}`,
    );
    expect(tools.filter((p) => isAlive(p.pid))).toEqual([]);
  });

  it('idle: a second SIGTERM ends the stop at once', async () => {
    await redis.start();
    const worker = await stage.startWorker();
    await redis.stop();
    const stopping = Date.now();
    worker.child.kill('SIGTERM');
    await sleep(1_000);
    expect(worker.exited).toBe(false);
    await worker.stop('SIGTERM', 40_000);
    expect({ code: worker.child.exitCode, signal: worker.child.signalCode }).toEqual({ code: 1, signal: null });
    expect(Date.now() - stopping).toBeLessThan(4_000);
    expect(worker.output).toContain('SIGTERM received again while stopping; exiting now, no job was left unsettled');
  });
});
