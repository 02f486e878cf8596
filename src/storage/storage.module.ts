import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageRegistry } from './storage-registry.js';
import { StorageTargetEntity } from './storage-target.entity.js';
import { StorageTargetsController } from './storage-targets.controller.js';
import { StorageTargetsService } from './storage-targets.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([StorageTargetEntity])],
  controllers: [StorageTargetsController],
  providers: [StorageRegistry, StorageTargetsService],
  exports: [StorageRegistry, StorageTargetsService],
})
export class StorageModule {}
