import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FinishedListener } from '../core/database/finished-listener.js';
import { EnginesModule } from '../engines/engines.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { BackupCommandsModule } from './backup-commands.module.js';
import { BackupEntity } from './backup.entity.js';
import { BackupsController } from './backups.controller.js';
import { BackupsService } from './backups.service.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { VerifyRequests } from './verify-requests.service.js';
import { ContentsRequests } from './contents-requests.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** API side: the spec's endpoints and the producer of backup jobs. */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([BackupEntity]), PipelineModule, DatabasesModule, BackupCommandsModule, EnginesModule, StorageModule],
  controllers: [BackupsController],
  providers: [BackupsService, VerifyRequests, ContentsRequests, FinishedListener],
  exports: [BackupsService, FinishedListener],
})
export class BackupsModule {}
