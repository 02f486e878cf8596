import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { BackupEntity } from '../backups/backup.entity.js';
import { EnginesModule } from '../engines/engines.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { AsideDatabaseSweeper } from './aside-database-sweeper.service.js';
import { RestoreEntity } from './restore.entity.js';
import { RestoreReconciler } from './restore-reconciler.service.js';
import { RestoreRecordsModule } from './restore-records.module.js';
import { RestoreEvents } from './restore-events.service.js';
import { RestoreRunner } from './restore-runner.service.js';
import { RestoreProcessor } from './restore.processor.js';
import { TableRestorer } from './table-restorer.service.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Worker side: consumes restore jobs. */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([RestoreEntity, BackupEntity]), PipelineModule, DatabasesModule, BackupCommandsModule, RestoreRecordsModule, NotificationsModule, EnginesModule, StorageModule, WorkerMetricsModule],
  providers: [RestoreRunner, TableRestorer, RestoreEvents, RestoreProcessor, RestoreReconciler, AsideDatabaseSweeper],
})
export class RestoresWorkerModule {}
