import { Injectable } from '@nestjs/common';
import { BackupsRepository } from '../backups/backups.repository.js';
import type { Tx } from '../core/database/transactions.js';
import { isoSeconds } from '../core/http/id-param.js';
import { DatabasesService } from '../databases/databases.service.js';
import { RetentionPolicyDto, type RetentionPreviewDto } from './dto/retention-policy.dto.js';
import { RetentionPoliciesRepository } from './retention-policies.repository.js';
import { hasRules, type RetentionPolicy, type RetentionSelection, selectBackupsToDelete } from './retention-selection.js';

/** Retention policies (one per database, table retention_policies) and what they select. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly policies: RetentionPoliciesRepository,
    private readonly backups: BackupsRepository,
    private readonly databases: DatabasesService,
  ) {}

  async getPolicy(databaseId: string): Promise<RetentionPolicy | null> {
    await this.databases.get(databaseId);
    return this.policies.findFor(databaseId);
  }

  /** Replaces the policy; a policy without rules is removed (everything is kept). */
  async setPolicy(databaseId: string, dto: RetentionPolicyDto): Promise<RetentionPolicy | null> {
    await this.databases.get(databaseId);
    const policy = RetentionPolicyDto.toPolicy(dto);
    if (!hasRules(policy)) {
      await this.policies.deleteFor(databaseId);
      return null;
    }
    return this.policies.save({ databaseId, ...policy });
  }

  async preview(databaseId: string, now = new Date()): Promise<RetentionPreviewDto> {
    return this.previewPolicy(databaseId, await this.getPolicy(databaseId), now);
  }

  /** What `policy` would delete now if it were saved (the database must exist; nothing is changed). */
  async previewCandidate(databaseId: string, candidate: RetentionPolicyDto, now = new Date()): Promise<RetentionPreviewDto> {
    await this.databases.get(databaseId);
    const policy = RetentionPolicyDto.toPolicy(candidate);
    return this.previewPolicy(databaseId, hasRules(policy) ? policy : null, now);
  }

  private async previewPolicy(databaseId: string, policy: RetentionPolicy | null, now: Date): Promise<RetentionPreviewDto> {
    const selection = await this.select(databaseId, policy, now);
    return {
      databaseId,
      policy: RetentionPolicyDto.from(policy),
      delete: selection.delete.map((b) => ({ backupId: b.id, timestamp: isoSeconds(b.requestedAt), reason: b.reason })),
      keep: selection.keep.map((b) => ({ backupId: b.id, timestamp: isoSeconds(b.requestedAt), keptBy: b.keptBy })),
    };
  }

  /** Only successful backups are candidates: queued and running ones are in progress, failed ones have no file. */
  async select(databaseId: string, policy: RetentionPolicy | null, now: Date, tx?: Tx): Promise<RetentionSelection> {
    return selectBackupsToDelete(policy, await this.backups.successful(databaseId, tx), now);
  }
}
