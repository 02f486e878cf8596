import { Module } from '@nestjs/common';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { DrillRecordsModule } from './drill-records.module.js';
import { DrillsService } from './drills.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Requesting drills, shared by the API (run one now) and the workers (a drill schedule's tick). */
@Module({
  imports: [QueueModule, DrillRecordsModule, BackupCommandsModule, DatabasesModule],
  providers: [DrillsService, FinishedListener],
  exports: [DrillsService],
})
export class DrillCommandsModule {}
