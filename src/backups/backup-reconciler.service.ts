import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { type BackupJobData, Jobs } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';

/** Puts back the jobs of backups that Redis lost. */
@Injectable()
export class BackupReconciler extends QueueReconciler<BackupJobData> {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfig, queues: JobQueues) {
    super(dataSource, config, queues, Jobs.runBackup);
  }
}
