import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { BACKUP_JOB_OPTIONS, BACKUP_QUEUE, BackupJobs, backupJobId } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';

/** Puts back the jobs of backups that Redis lost. */
@Injectable()
export class BackupReconciler extends QueueReconciler {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfig, @InjectQueue(BACKUP_QUEUE) queue: Queue) {
    super(dataSource, config, {
      table: 'backups',
      queue,
      jobName: BackupJobs.run,
      jobId: backupJobId,
      data: (backupId) => ({ backupId }),
      options: BACKUP_JOB_OPTIONS,
    });
  }
}
