import { Module } from '@nestjs/common';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { EnginesModule } from '../engines/engines.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { DrillEvents } from './drill-events.service.js';
import { DrillProcessor } from './drill.processor.js';
import { DrillReconciler } from './drill-reconciler.service.js';
import { DrillRecordsModule } from './drill-records.module.js';
import { DrillRunner } from './drill-runner.service.js';
import { ScratchDatabaseSweeper } from './scratch-database-sweeper.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Worker side: runs drills, puts back lost drill jobs, drops leftover scratch databases. */
@Module({
  imports: [QueueModule, DrillRecordsModule, BackupCommandsModule, DatabasesModule, EnginesModule, NotificationsModule, PipelineModule, StorageModule, WorkerMetricsModule],
  providers: [DrillRunner, DrillEvents, DrillProcessor, DrillReconciler, ScratchDatabaseSweeper],
})
export class DrillsWorkerModule {}
