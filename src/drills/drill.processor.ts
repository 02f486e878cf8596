import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { DrillRunner } from './drill-runner.service.js';

/** Consumes the drills queue (DRILL_CONCURRENCY at a time per worker, apart from backups and restores). */
@Injectable()
export class DrillProcessor extends JobHost {
  constructor(
    private readonly runner: DrillRunner,
    config: AppConfig,
    metrics: WorkerMetrics,
  ) {
    super(QueueNames.drills, config, metrics);
  }

  protected handlers() {
    return [
      handle(Jobs.runDrill, ({ drillId }, attempt) => this.runner.run(drillId, { retriesLeft: attempt.retriesLeft, signal: attempt.shutdown })),
    ];
  }
}
