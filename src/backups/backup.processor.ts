import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { WorkerMetrics } from '../metrics/worker-metrics.service.js';
import { BackupRunner } from './backup-runner.service.js';

/** Consumes the backups queue: runs backups. */
@Injectable()
export class BackupProcessor extends JobHost {
  constructor(
    private readonly runner: BackupRunner,
    config: AppConfig,
    metrics: WorkerMetrics,
  ) {
    super(QueueNames.backups, config, metrics);
  }

  protected handlers() {
    return [
      handle(Jobs.runBackup, ({ backupId }, attempt) =>
        this.runner.run(backupId, { retriesLeft: attempt.retriesLeft, signal: attempt.shutdown }),
      ),
    ];
  }
}
