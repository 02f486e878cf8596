import { Module } from '@nestjs/common';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { BackupsModule } from '../backups/backups.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { DrillCommandsModule } from './drill-commands.module.js';
import { DrillRecordsModule } from './drill-records.module.js';
import { DrillsController } from './drills.controller.js';
import { SandboxesController } from './sandboxes.controller.js';

/** API side: /sandboxes, POST /databases/:id/drills, /drills. */
@Module({
  imports: [DrillRecordsModule, DrillCommandsModule, BackupCommandsModule, BackupsModule, DatabasesModule],
  controllers: [SandboxesController, DrillsController],
})
export class DrillsApiModule {}
