import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StorageModule } from '../storage/storage.module.js';
import { HealthController } from './health.controller.js';
import { QueueModule } from '../core/queue/queue.module.js';

@Module({
  imports: [QueueModule, TerminusModule.forRoot({ logger: false }), StorageModule],
  controllers: [HealthController],
})
export class HealthModule {}
