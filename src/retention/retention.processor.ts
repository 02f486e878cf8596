import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs, QueueNames, SchedulerIds } from '../core/queue/job-registry.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { RetentionEnforcer } from './retention-enforcer.service.js';

/**
 * Enforces retention: for one database after each of its successful backups (and on POST …/retention/enforce),
 * and for all of them every RETENTION_SWEEP_INTERVAL_SECONDS through one BullMQ job scheduler that every worker
 * upserts at start (same id, so still one sweep per interval).
 */
@Injectable()
export class RetentionProcessor extends JobHost implements OnApplicationBootstrap {
  constructor(
    private readonly enforcer: RetentionEnforcer,
    private readonly queues: JobQueues,
    config: AppConfig,
    metrics: WorkerMetrics,
  ) {
    super(QueueNames.retention, config, metrics);
  }

  protected handlers() {
    return [
      handle(Jobs.sweepRetention, () => this.enforcer.enforceAll()),
      handle(Jobs.enforceRetention, ({ databaseId }) => this.enforcer.enforce(databaseId)),
    ];
  }

  override async onApplicationBootstrap(): Promise<void> {
    super.onApplicationBootstrap();
    const sweep = Jobs.sweepRetention;
    await this.queues
      .queueOf(sweep)
      .upsertJobScheduler(
        SchedulerIds.retentionSweep,
        { every: this.config.retentionSweepIntervalMs },
        { name: sweep.name, data: {}, opts: this.queues.optionsOf(sweep, {}) },
      )
      .catch((error: Error) => this.logger.warn(`Could not schedule the retention sweep: ${error.message}`));
  }
}
