import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type DeepPartial, Repository } from 'typeorm';
import type { Tx } from '../core/database/transactions.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';

/** The SQL of the `retention_policies` table. */
@Injectable()
export class RetentionPoliciesRepository {
  constructor(@InjectRepository(RetentionPolicyEntity) private readonly policies: Repository<RetentionPolicyEntity>) {}

  findFor(databaseId: string, tx?: Tx): Promise<RetentionPolicyEntity | null> {
    return (tx ?? this.policies.manager).findOneBy(RetentionPolicyEntity, { databaseId });
  }

  save(policy: DeepPartial<RetentionPolicyEntity>): Promise<RetentionPolicyEntity> {
    return this.policies.save(this.policies.create(policy));
  }

  async deleteFor(databaseId: string): Promise<void> {
    await this.policies.delete({ databaseId });
  }

  /** The databases that have a policy, by id. */
  async databaseIds(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.policies.query(
      'SELECT p.database_id::text AS id FROM retention_policies p ORDER BY p.database_id',
    );
    return rows.map((row) => row.id);
  }

  /**
   * Runs `work` in a transaction holding the database's retention lock (transaction-scoped advisory lock): one
   * enforcement per database at a time across all workers.
   */
  whileLocked<T>(databaseId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.policies.manager.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('retention:' || $1, 0))", [databaseId]);
      return work(tx);
    });
  }
}
