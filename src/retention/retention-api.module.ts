import { Module } from '@nestjs/common';
import { DatabasesModule } from '../databases/databases.module.js';
import { RetentionController } from './retention.controller.js';
import { RetentionModule } from './retention.module.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** API side: /databases/:databaseId/retention (policy, preview, enforce). */
@Module({
  imports: [QueueModule, RetentionModule, DatabasesModule],
  controllers: [RetentionController],
})
export class RetentionApiModule {}
