import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { ConnectionOptions as BullConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url.js';
import { ALL_QUEUES, PRODUCER_REDIS_OPTIONS, WORKER_REDIS_OPTIONS } from './queue.constants.js';

export type QueueRole = 'producer' | 'worker';

/** ioredis options from REDIS_URL, tuned for the role (fail fast for producers, block for workers). */
export function redisOptions(url: string, role: QueueRole): RedisOptions {
  return { ...parseRedisUrl(url), ...(role === 'producer' ? PRODUCER_REDIS_OPTIONS : WORKER_REDIS_OPTIONS) };
}

/** Redis connection and queue registration, tuned for the process that imports it. */
@Module({})
export class QueueModule {
  static forRole(role: QueueRole): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            // ioredis' own option type is wider than BullMQ's copy of it; the object is the same.
            connection: redisOptions(config.redisUrl, role) as BullConnectionOptions,
            prefix: config.queuePrefix,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      exports: [BullModule],
    };
  }
}
