import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { RetentionPoliciesRepository } from './retention-policies.repository.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';
import { RetentionService } from './retention.service.js';

/** Retention policies and what they select, for the API and the workers. The HTTP side is RetentionApiModule. */
@Module({
  imports: [TypeOrmModule.forFeature([RetentionPolicyEntity]), DatabasesModule, BackupCommandsModule],
  providers: [RetentionPoliciesRepository, RetentionService],
  exports: [RetentionPoliciesRepository, RetentionService],
})
export class RetentionModule {}
