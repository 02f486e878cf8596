import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import { BackupEntity } from '../backups/backup.entity.js';
import { isoSeconds } from '../core/http/id-param.js';
import { DatabasesService } from '../databases/databases.service.js';
import { RetentionPolicyDto, type RetentionPreviewDto } from './dto/retention-policy.dto.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';
import { hasRules, type RetentionPolicy, type RetentionSelection, selectBackupsToDelete } from './retention-selection.js';

/** Retention policies (one per database, table retention_policies) and what they select. */
@Injectable()
export class RetentionService {
  constructor(
    @InjectRepository(RetentionPolicyEntity) private readonly policies: Repository<RetentionPolicyEntity>,
    private readonly databases: DatabasesService,
  ) {}

  async getPolicy(databaseId: string): Promise<RetentionPolicy | null> {
    await this.databases.get(databaseId);
    return this.policies.findOneBy({ databaseId });
  }

  /** Replaces the policy; a policy without rules is removed (everything is kept). */
  async setPolicy(databaseId: string, dto: RetentionPolicyDto): Promise<RetentionPolicy | null> {
    await this.databases.get(databaseId);
    const policy = RetentionPolicyDto.toPolicy(dto);
    if (!hasRules(policy)) {
      await this.policies.delete({ databaseId });
      return null;
    }
    return this.policies.save(this.policies.create({ databaseId, ...policy }));
  }

  async preview(databaseId: string, now = new Date()): Promise<RetentionPreviewDto> {
    const policy = await this.getPolicy(databaseId);
    const selection = await this.select(this.policies.manager, databaseId, policy, now);
    return {
      databaseId,
      policy: RetentionPolicyDto.from(policy),
      delete: selection.delete.map((b) => ({ backupId: b.id, timestamp: isoSeconds(b.requestedAt), reason: b.reason })),
      keep: selection.keep.map((b) => ({ backupId: b.id, timestamp: isoSeconds(b.requestedAt), keptBy: b.keptBy })),
    };
  }

  /** Only successful backups are candidates: queued and running ones are in progress, failed ones have no file. */
  async select(manager: EntityManager, databaseId: string, policy: RetentionPolicy | null, now: Date): Promise<RetentionSelection> {
    const backups = await manager.find(BackupEntity, {
      where: { databaseId, status: 'success' },
      select: { id: true, requestedAt: true },
    });
    return selectBackupsToDelete(policy, backups, now);
  }
}
