import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabasesModule } from '../databases/databases.module.js';
import { BackupEntity } from './backup.entity.js';
import { BackupRemover } from './backup-remover.service.js';
import { BackupRequests } from './backup-requests.service.js';
import { PipelineModule } from '../pipeline/pipeline.module.js';
import { BackupsRepository } from './backups.repository.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Creating and deleting backups, shared by the API (manual) and the workers (schedules, retention). */
@Module({
  imports: [QueueModule, PipelineModule, TypeOrmModule.forFeature([BackupEntity]), DatabasesModule],
  providers: [BackupsRepository, BackupRequests, BackupRemover],
  exports: [BackupsRepository, BackupRequests, BackupRemover],
})
export class BackupCommandsModule {}
