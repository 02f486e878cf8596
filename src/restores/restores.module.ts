import { Module } from '@nestjs/common';
import { BackupsModule } from '../backups/backups.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { EnginesModule } from '../engines/engines.module.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { RestoreRecordsModule } from './restore-records.module.js';
import { RestoresController } from './restores.controller.js';
import { RestoresService } from './restores.service.js';
import { TableRestoreChecks } from './table-restore-checks.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** API side of restores. */
@Module({
  imports: [QueueModule, RestoreRecordsModule, BackupsModule, DatabasesModule, EnginesModule, PipelineModule],
  controllers: [RestoresController],
  providers: [RestoresService, TableRestoreChecks],
})
export class RestoresModule {}
