import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ALL_QUEUES, PRODUCER_REDIS_OPTIONS, WORKER_REDIS_OPTIONS } from './queue.constants.js';

export type QueueRole = 'producer' | 'worker';

export function redisOptions(url: string, role: QueueRole) {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    ...(role === 'producer' ? PRODUCER_REDIS_OPTIONS : WORKER_REDIS_OPTIONS),
  };
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
            connection: redisOptions(config.redisUrl, role),
            prefix: config.queuePrefix,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      exports: [BullModule],
    };
  }
}
