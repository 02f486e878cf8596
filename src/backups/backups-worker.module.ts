import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FinishedListener } from '../core/database/finished-listener.js';
import { EnginesModule } from '../engines/engines.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { BackupCommandsModule } from './backup-commands.module.js';
import { BackupEntity } from './backup.entity.js';
import { BackupReconciler } from './backup-reconciler.service.js';
import { PartialFileSweeper } from './partial-file-sweeper.service.js';
import { BackupEvents } from './backup-events.service.js';
import { BackupRunner } from './backup-runner.service.js';
import { BackupAnomalyCheck } from './backup-anomaly-check.service.js';
import { BackupContentsLister } from './backup-contents-lister.service.js';
import { BackupVerifier } from './backup-verifier.service.js';
import { BackupProcessor } from './backup.processor.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Worker side: consumes backup, verify and list-contents jobs. Only the worker imports this module. */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([BackupEntity]), PipelineModule, DatabasesModule, BackupCommandsModule, NotificationsModule, EnginesModule, StorageModule, WorkerMetricsModule],
  providers: [BackupRunner, BackupAnomalyCheck, BackupVerifier, BackupContentsLister, FinishedListener, BackupEvents, BackupProcessor, BackupReconciler, PartialFileSweeper],
})
export class BackupsWorkerModule {}
