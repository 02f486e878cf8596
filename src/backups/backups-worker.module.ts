import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FinishedListener } from '../core/database/finished-listener.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { BackupEntity } from './backup.entity.js';
import { BackupReconciler } from './backup-reconciler.service.js';
import { PartialFileSweeper } from './partial-file-sweeper.service.js';
import { BackupEvents } from './backup-events.service.js';
import { BackupRunner } from './backup-runner.service.js';
import { BackupVerifier } from './backup-verifier.service.js';
import { BackupProcessor } from './backup.processor.js';

/** Worker side: consumes backup and verify jobs. Only the worker imports this module. */
@Module({
  imports: [TypeOrmModule.forFeature([BackupEntity]), DatabasesModule, NotificationsModule],
  providers: [BackupRunner, BackupVerifier, FinishedListener, BackupEvents, BackupProcessor, BackupReconciler, PartialFileSweeper],
})
export class BackupsWorkerModule {}
