import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { AppConfig } from '../core/config/app-config.js';
import { redisOptions } from '../core/queue/queue-connection.module.js';
import { withTimeout } from '../core/queue/with-timeout.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Fixed window: the first hit starts the window; returns [hits, milliseconds left]. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

/** A rate-limit check must never hold a request up: past this, the per-process counter answers. */
const REDIS_BUDGET_MS = 250;

type HitCounter = Redis & { throttleHit(key: string, ttlMs: number): Promise<[number, number]> };

/**
 * Rate-limit counters in Redis, shared by every API replica. Fails open to a per-process counter while Redis is
 * unreachable or slow, so an outage neither blocks requests nor delays them (POST /backups still answers its
 * own 503 at once).
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: HitCounter;
  private readonly fallback = new ThrottlerStorageService();
  private readonly prefix: string;
  private warned = false;

  constructor(config: AppConfig) {
    this.prefix = `${config.queuePrefix}:throttle:`;
    this.redis = new Redis({ ...redisOptions(config.redisUrl, 'producer'), lazyConnect: false }) as HitCounter;
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('throttleHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.redis.status === 'ready') {
      try {
        const [hits, leftMs] = await withTimeout(this.redis.throttleHit(this.prefix + key, ttl), REDIS_BUDGET_MS, 'Redis rate-limit counter');
        const seconds = Math.ceil(leftMs / 1000);
        const isBlocked = hits > limit;
        return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
      } catch (error) {
        this.warnOnce(error);
      }
    }
    return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
    this.redis.disconnect();
  }

  private warnOnce(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(`Rate limiting falls back to per-process counters: ${(error as Error).message}`);
  }
}
