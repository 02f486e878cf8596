import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { RESTORE_JOB_OPTIONS, RESTORE_QUEUE, RestoreJobs, restoreJobId } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';

/** Puts back the jobs of restores that Redis lost. */
@Injectable()
export class RestoreReconciler extends QueueReconciler {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfig, @InjectQueue(RESTORE_QUEUE) queue: Queue) {
    super(dataSource, config, {
      table: 'restores',
      queue,
      jobName: RestoreJobs.run,
      jobId: restoreJobId,
      data: (restoreId) => ({ restoreId }),
      options: RESTORE_JOB_OPTIONS,
    });
  }
}
