import { Module } from '@nestjs/common';
import { StorageTargetsController } from './storage-targets.controller.js';
import { StorageModule } from './storage.module.js';

/** API side: /storage-targets. */
@Module({
  imports: [StorageModule],
  controllers: [StorageTargetsController],
})
export class StorageApiModule {}
