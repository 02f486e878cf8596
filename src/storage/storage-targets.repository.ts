import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { StorageTargetEntity } from './storage-target.entity.js';

/**
 * The SQL of the `storage_targets` table. Databases and backups refer to targets; the check made before deleting one
 * reads them here (the rooms that own those tables depend on this one, not the other way round).
 */
@Injectable()
export class StorageTargetsRepository {
  constructor(@InjectRepository(StorageTargetEntity) private readonly targets: Repository<StorageTargetEntity>) {}

  /**
   * Soft-deletes the target and erases its secret unless a registered database stores its backups there or
   * backups are kept there; the row is locked meanwhile. Says whether it deleted.
   */
  softDeleteUnlessUsed(id: string): Promise<boolean> {
    return this.targets.manager.transaction(async (tx) => {
      await tx.query('SELECT id FROM storage_targets WHERE id = $1 FOR UPDATE', [id]);
      const [used] = await tx.query(
        `SELECT 1 FROM databases WHERE storage_target_id = $1 AND deleted_at IS NULL
         UNION ALL SELECT 1 FROM backups WHERE storage_target_id = $1 LIMIT 1`,
        [id],
      );
      if (used) return false;
      await tx.query('UPDATE storage_targets SET deleted_at = now(), secret_encrypted = NULL WHERE id = $1', [id]);
      return true;
    });
  }
}
