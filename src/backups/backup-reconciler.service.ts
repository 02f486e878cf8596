import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { BACKUP_JOB_OPTIONS, BACKUP_QUEUE, BackupJobs, backupJobId } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { BackupsRepository } from './backups.repository.js';

/** Puts back the jobs of backups that Redis lost. */
@Injectable()
export class BackupReconciler extends QueueReconciler {
  constructor(backups: BackupsRepository, config: AppConfig, @InjectQueue(BACKUP_QUEUE) queue: Queue) {
    super(config, {
      table: 'backups',
      unfinishedIds: (seconds) => backups.unfinishedIdsOlderThan(seconds),
      queue,
      jobName: BackupJobs.run,
      jobId: backupJobId,
      data: (backupId) => ({ backupId }),
      options: BACKUP_JOB_OPTIONS,
    });
  }
}
