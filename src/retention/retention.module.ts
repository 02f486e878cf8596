import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabasesModule } from '../databases/databases.module.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';
import { RetentionService } from './retention.service.js';

/** Retention policies and what they select, for the API and the workers. The HTTP side is RetentionApiModule. */
@Module({
  imports: [TypeOrmModule.forFeature([RetentionPolicyEntity]), DatabasesModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
