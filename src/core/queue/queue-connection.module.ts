import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { ConnectionOptions as BullConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { PRODUCER_REDIS_OPTIONS, WORKER_REDIS_OPTIONS } from './queue.constants.js';
import { parseRedisUrl } from './redis-url.js';

export type QueueRole = 'producer' | 'worker';

/** ioredis options from REDIS_URL, tuned for the role (fail fast for producers, block for workers). */
export function redisOptions(url: string, role: QueueRole): RedisOptions {
  return { ...parseRedisUrl(url), ...(role === 'producer' ? PRODUCER_REDIS_OPTIONS : WORKER_REDIS_OPTIONS) };
}

/**
 * The Redis connection and key prefix of every queue, tuned for the process: imported once, by the root module
 * (ApiModule, WorkerModule). @nestjs/bullmq shares this configuration with every queue and worker of the process;
 * the rooms get their queues from QueueModule.
 */
@Module({})
export class QueueConnectionModule {
  static forRole(role: QueueRole): DynamicModule {
    return {
      module: QueueConnectionModule,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            // ioredis' own option type is wider than BullMQ's copy of it; the object is the same.
            connection: redisOptions(config.redisUrl, role) as BullConnectionOptions,
            prefix: config.queuePrefix,
          }),
        }),
      ],
    };
  }
}
