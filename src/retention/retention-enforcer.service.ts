import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BackupRemover } from '../backups/backup-remover.service.js';
import { BackupNotFoundError } from '../backups/backups.errors.js';
import { RetentionPolicyEntity } from './retention-policy.entity.js';
import { RetentionService } from './retention.service.js';

/**
 * Deletes what a database's policy no longer keeps. One enforcement per database at a time across all workers
 * (a transaction-scoped advisory lock), and each deletion goes through BackupRemover (row lock, file first, then
 * the record), so no backup is deleted twice and a failed storage deletion keeps the record.
 */
@Injectable()
export class RetentionEnforcer {
  private readonly logger = new Logger(RetentionEnforcer.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly retention: RetentionService,
    private readonly remover: BackupRemover,
  ) {}

  /** Returns the ids of the backups it deleted. */
  async enforce(databaseId: string, now = new Date()): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query("SELECT pg_advisory_xact_lock(hashtextextended('retention:' || $1, 0))", [databaseId]);
      const policy = await manager.findOneBy(RetentionPolicyEntity, { databaseId });
      const selection = await this.retention.select(manager, databaseId, policy, now);
      const deleted: string[] = [];
      for (const backup of selection.delete) {
        if (await this.deleteOne(backup.id)) deleted.push(backup.id);
      }
      if (deleted.length) this.logger.log(`Retention of database ${databaseId} deleted backups ${deleted.join(', ')}`);
      return deleted;
    });
  }

  /** Every database that has a policy, one after the other. */
  async enforceAll(): Promise<void> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      'SELECT p.database_id::text AS id FROM retention_policies p ORDER BY p.database_id',
    );
    for (const { id } of rows) await this.enforce(id);
  }

  private async deleteOne(backupId: string): Promise<boolean> {
    try {
      await this.remover.remove(backupId);
      return true;
    } catch (error) {
      // Deleted meanwhile (by hand): nothing left to do. Being restored, or storage refused: the next run retries.
      if (!(error instanceof BackupNotFoundError)) this.logger.warn(`Retention kept backup ${backupId} for now: ${(error as Error).message}`);
      return false;
    }
  }
}
