import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { ConnectionOptions as BullConnectionOptions, Queue } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { JobQueues } from './job-queues.js';
import { ALL_QUEUES } from './job-registry.js';
import { parseRedisUrl } from './redis-url.js';
import { PRODUCER_REDIS_OPTIONS, WORKER_REDIS_OPTIONS } from './queue.constants.js';

export type QueueRole = 'producer' | 'worker';

/** ioredis options from REDIS_URL, tuned for the role (fail fast for producers, block for workers). */
export function redisOptions(url: string, role: QueueRole): RedisOptions {
  return { ...parseRedisUrl(url), ...(role === 'producer' ? PRODUCER_REDIS_OPTIONS : WORKER_REDIS_OPTIONS) };
}

/** Redis connection, queue registration and JobQueues (the one way to enqueue), tuned for the process that imports it. */
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
      providers: [
        {
          provide: JobQueues,
          inject: [AppConfig, ...ALL_QUEUES.map((name) => getQueueToken(name))],
          useFactory: (config: AppConfig, ...queues: Queue[]) => new JobQueues(config, new Map(ALL_QUEUES.map((name, i) => [name, queues[i]!]))),
        },
      ],
      exports: [BullModule, JobQueues],
    };
  }
}
