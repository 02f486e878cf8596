import { Module } from '@nestjs/common';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { RetentionEnforcer } from './retention-enforcer.service.js';
import { RetentionModule } from './retention.module.js';
import { RetentionProcessor } from './retention.processor.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Worker side: enforces retention policies. */
@Module({
  imports: [QueueModule, RetentionModule, BackupCommandsModule, WorkerMetricsModule],
  providers: [RetentionEnforcer, RetentionProcessor],
})
export class RetentionWorkerModule {}
