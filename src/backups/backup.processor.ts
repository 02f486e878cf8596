import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { BackupRunner } from './backup-runner.service.js';
import { BackupContentsLister } from './backup-contents-lister.service.js';
import { BackupVerifier } from './backup-verifier.service.js';

/** Consumes the backups queue: runs backups, verifies stored ones for POST /backups/:id/verify, lists their contents for GET /backups/:id/contents. */
@Injectable()
export class BackupProcessor extends JobHost {
  constructor(
    private readonly runner: BackupRunner,
    private readonly verifier: BackupVerifier,
    private readonly contents: BackupContentsLister,
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
      handle(Jobs.verifyBackup, ({ backupId }, attempt) => this.verifier.verify(backupId, attempt)),
      handle(Jobs.listContents, ({ backupId }, attempt) => this.contents.list(backupId, attempt)),
    ];
  }
}
