import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupEntity } from '../backups/backup.entity.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { RestoreEntity } from './restore.entity.js';
import { RestoreReconciler } from './restore-reconciler.service.js';
import { RestoreRunner } from './restore-runner.service.js';
import { RestoreProcessor } from './restore.processor.js';

/** Worker side: consumes restore jobs. */
@Module({
  imports: [TypeOrmModule.forFeature([RestoreEntity, BackupEntity]), DatabasesModule],
  providers: [RestoreRunner, RestoreProcessor, RestoreReconciler],
})
export class RestoresWorkerModule {}
