import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config.js';
import { JobQueues } from './job-queues.js';
import { ALL_QUEUES } from './job-registry.js';

/**
 * The queues and JobQueues (the one way to enqueue), for a room that queues jobs or reads their state: each such
 * room's module imports it (it is not global). Their connection comes from QueueConnectionModule, in the root
 * module.
 */
@Module({
  imports: [BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })))],
  providers: [
    {
      provide: JobQueues,
      inject: [AppConfig, ...ALL_QUEUES.map((name) => getQueueToken(name))],
      useFactory: (config: AppConfig, ...queues: Queue[]) => new JobQueues(config, new Map(ALL_QUEUES.map((name, i) => [name, queues[i]!]))),
    },
  ],
  exports: [BullModule, JobQueues],
})
export class QueueModule {}
