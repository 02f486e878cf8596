import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { RESTORE_JOB_OPTIONS, RESTORE_QUEUE, RestoreJobs, restoreJobId } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { RestoresRepository } from './restores.repository.js';

/** Puts back the jobs of restores that Redis lost. */
@Injectable()
export class RestoreReconciler extends QueueReconciler {
  constructor(restores: RestoresRepository, config: AppConfig, @InjectQueue(RESTORE_QUEUE) queue: Queue) {
    super(config, {
      table: 'restores',
      unfinishedIds: (seconds) => restores.unfinishedIdsOlderThan(seconds),
      queue,
      jobName: RestoreJobs.run,
      jobId: restoreJobId,
      data: (restoreId) => ({ restoreId }),
      options: RESTORE_JOB_OPTIONS,
    });
  }
}
