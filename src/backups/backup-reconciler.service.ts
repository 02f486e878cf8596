import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { type BackupJobData, Jobs } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { BackupsRepository } from './backups.repository.js';

/** Puts back the jobs of backups that Redis lost. */
@Injectable()
export class BackupReconciler extends QueueReconciler<BackupJobData> {
  constructor(backups: BackupsRepository, config: AppConfig, queues: JobQueues) {
    super(config, queues, Jobs.runBackup, (seconds) => backups.unfinishedIdsOlderThan(seconds));
  }
}
