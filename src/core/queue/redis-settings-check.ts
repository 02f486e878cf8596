import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeout } from './with-timeout.js';

/** What `CONFIG GET` answered; undefined when the parameter was not in the answer. */
export interface RedisSettings {
  maxmemoryPolicy?: string;
  appendonly?: string;
  save?: string;
}

export interface RedisFinding {
  level: 'warn' | 'log';
  message: string;
}

const CHECK_TIMEOUT_MS = 5_000;

/**
 * What the queue needs from Redis: never evict (an evicted job is a backup silently not run until the reconciler
 * notices) and persistence (without it a restart loses every waiting job). `'unavailable'` when CONFIG could not
 * be read, as on managed Redis where the command is renamed or forbidden.
 */
export function assessRedisSettings(settings: RedisSettings | 'unavailable', reason = ''): RedisFinding[] {
  if (settings === 'unavailable') {
    return [
      {
        level: 'warn',
        message:
          `Could not check the Redis settings (CONFIG GET${reason ? `: ${reason}` : ''}); make sure Redis runs with ` +
          'maxmemory-policy noeviction and appendonly yes',
      },
    ];
  }
  const findings: RedisFinding[] = [];
  const policy = settings.maxmemoryPolicy;
  if (policy !== 'noeviction') {
    findings.push({
      level: 'warn',
      message: `Redis maxmemory-policy is ${policy ?? 'unknown'}: under memory pressure Redis may evict queued jobs; set maxmemory-policy noeviction`,
    });
  }
  const aof = settings.appendonly === 'yes';
  const snapshots = (settings.save ?? '').trim() !== '';
  if (!aof && !snapshots) {
    findings.push({
      level: 'warn',
      message: 'Redis has no persistence (appendonly no, save ""): a Redis restart loses every waiting job; set appendonly yes',
    });
  } else if (!aof) {
    findings.push({
      level: 'log',
      message: `Redis persists by snapshots only (save "${settings.save}"): jobs queued since the last snapshot are lost on a restart; appendonly yes is recommended`,
    });
  }
  return findings;
}

/** `CONFIG GET a b c` answers a flat [name, value, …] list (Redis ≥ 7 takes several names at once). */
export function parseConfigReply(reply: unknown): RedisSettings {
  const values = new Map<string, string>();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) values.set(String(reply[i]), String(reply[i + 1]));
  }
  return { maxmemoryPolicy: values.get('maxmemory-policy'), appendonly: values.get('appendonly'), save: values.get('save') };
}

async function readSettings(redis: Redis): Promise<RedisSettings> {
  const replies = await Promise.all(
    ['maxmemory-policy', 'appendonly', 'save'].map((name) => redis.call('CONFIG', 'GET', name)),
  );
  return parseConfigReply(replies.flatMap((reply) => (Array.isArray(reply) ? reply : [])));
}

/**
 * Reads the Redis settings over a short-lived connection and logs what is wrong. Never throws and never delays
 * start-up beyond CHECK_TIMEOUT_MS: call it without awaiting, or await it; both are safe.
 */
export async function checkRedisSettings(options: RedisOptions, logger: Pick<Logger, 'warn' | 'log'> = new Logger('RedisSettings')): Promise<RedisFinding[]> {
  const redis = new Redis({ ...options, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  let findings: RedisFinding[];
  try {
    await withTimeout(redis.connect(), CHECK_TIMEOUT_MS, 'Connecting to Redis');
    findings = assessRedisSettings(await withTimeout(readSettings(redis), CHECK_TIMEOUT_MS, 'CONFIG GET'));
  } catch (error) {
    findings = assessRedisSettings('unavailable', (error as Error).message);
  } finally {
    redis.disconnect();
  }
  for (const finding of findings) logger[finding.level](finding.message);
  return findings;
}
