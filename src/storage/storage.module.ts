import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetModule } from '../core/net/net.module.js';
import { StorageRegistry } from './storage-registry.js';
import { StorageTargetEntity } from './storage-target.entity.js';
import { StorageTargetsRepository } from './storage-targets.repository.js';
import { StorageTargetsService } from './storage-targets.service.js';

/** Storage targets and backup files, for the API and the workers. The HTTP side is StorageApiModule. */
@Module({
  imports: [TypeOrmModule.forFeature([StorageTargetEntity]), NetModule],
  providers: [StorageTargetsRepository, StorageRegistry, StorageTargetsService],
  exports: [StorageRegistry, StorageTargetsService],
})
export class StorageModule {}
