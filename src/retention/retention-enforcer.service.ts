import { Injectable, Logger } from '@nestjs/common';
import { BackupRemover } from '../backups/backup-remover.service.js';
import { BackupNotFoundError } from '../backups/backups.errors.js';
import { RetentionPoliciesRepository } from './retention-policies.repository.js';
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
    private readonly policies: RetentionPoliciesRepository,
    private readonly retention: RetentionService,
    private readonly remover: BackupRemover,
  ) {}

  /** Returns the ids of the backups it deleted. */
  async enforce(databaseId: string, now = new Date()): Promise<string[]> {
    return this.policies.whileLocked(databaseId, async (tx) => {
      const policy = await this.policies.findFor(databaseId, tx);
      const selection = await this.retention.select(databaseId, policy, now, tx);
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
    for (const id of await this.policies.databaseIds()) await this.enforce(id);
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
