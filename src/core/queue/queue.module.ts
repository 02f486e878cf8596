import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { BACKUP_QUEUE, PRODUCER_REDIS_OPTIONS, RESTORE_QUEUE, WORKER_REDIS_OPTIONS } from './queue.constants.js';

export type QueueRole = 'producer' | 'worker';

/** ioredis options from REDIS_URL, tuned for the role (fail fast for producers, block for workers). */
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
        BullModule.registerQueue({ name: BACKUP_QUEUE }, { name: RESTORE_QUEUE }),
      ],
      exports: [BullModule],
    };
  }
}
