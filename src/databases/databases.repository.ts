import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DatabaseEntity } from './database.entity.js';

/** Why a registration could not be deleted: one of its backups, or a restore into it, is queued or running. */
export type DeletionRefusal = 'backup-unfinished' | 'restore-unfinished';

/**
 * The SQL of the `databases` table. Backups and restores refer to registrations; the checks made before deleting or
 * changing one read them here (the rooms that own those tables depend on this one, not the other way round).
 */
@Injectable()
export class DatabasesRepository {
  constructor(@InjectRepository(DatabaseEntity) private readonly databases: Repository<DatabaseEntity>) {}

  /**
   * Soft-deletes the registration and erases its credentials, unless a backup of it or a restore into it is
   * queued or running; the row is locked meanwhile. Returns the refusal, or null once deleted.
   */
  softDeleteUnlessBusy(id: string): Promise<DeletionRefusal | null> {
    return this.databases.manager.transaction(async (tx) => {
      await tx.query('SELECT id FROM databases WHERE id = $1 FOR UPDATE', [id]);
      const [busy] = await tx.query("SELECT 1 FROM backups WHERE database_id = $1 AND status IN ('queued', 'running') LIMIT 1", [id]);
      if (busy) return 'backup-unfinished';
      const [restoring] = await tx.query(
        "SELECT 1 FROM restores WHERE target_database_id = $1 AND status IN ('queued', 'running') LIMIT 1",
        [id],
      );
      if (restoring) return 'restore-unfinished';
      await tx.query('UPDATE databases SET deleted_at = now(), password_encrypted = NULL WHERE id = $1', [id]);
      return null;
    });
  }

  /** Whether any backup, of any status, was made of the registration. */
  async hasBackups(id: string): Promise<boolean> {
    const [backup] = await this.databases.query('SELECT 1 FROM backups WHERE database_id = $1 LIMIT 1', [id]);
    return backup !== undefined;
  }
}
