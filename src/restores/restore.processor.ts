import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { AsideDatabaseSweeper } from './aside-database-sweeper.service.js';
import { RestoreRunner } from './restore-runner.service.js';

/** Consumes the restores queue: runs restores, and drops aside databases whose time is up. */
@Injectable()
export class RestoreProcessor extends JobHost {
  constructor(
    private readonly runner: RestoreRunner,
    config: AppConfig,
    metrics: WorkerMetrics,
    private readonly asides: AsideDatabaseSweeper,
  ) {
    super(QueueNames.restores, config, metrics);
  }

  protected handlers() {
    return [
      handle(Jobs.runRestore, ({ restoreId }, attempt) =>
        this.runner.run(restoreId, { retriesLeft: attempt.retriesLeft, signal: attempt.shutdown }),
      ),
      handle(Jobs.dropAside, () => this.asides.sweep()),
    ];
  }
}
