import { Module } from '@nestjs/common';
import { BackupsModule } from '../backups/backups.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { RestoreRecordsModule } from './restore-records.module.js';
import { RestoresController } from './restores.controller.js';
import { RestoresService } from './restores.service.js';

/** API side of restores. */
@Module({
  imports: [RestoreRecordsModule, BackupsModule, DatabasesModule],
  controllers: [RestoresController],
  providers: [RestoresService],
})
export class RestoresModule {}
