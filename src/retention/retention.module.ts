import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabasesModule } from '../databases/databases.module.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';
import { RetentionController } from './retention.controller.js';
import { RetentionService } from './retention.service.js';

/** API side: /databases/:databaseId/retention (policy, preview, enforce). */
@Module({
  imports: [TypeOrmModule.forFeature([RetentionPolicyEntity]), DatabasesModule],
  controllers: [RetentionController],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
