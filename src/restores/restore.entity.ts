import { Column, Entity } from 'typeorm';
import { FencedRecordEntity } from '../core/database/fenced-record.entity.js';
import type { BackupStatus } from '../backups/backup.entity.js';
import type { ManifestComparison } from '../engines/backup-catalog.js';
import type { RestoreOptions, TableSelection } from '../engines/engine.js';
import type { RestorePhase } from './restore-progress.js';

export type RestoreStatus = BackupStatus;

/** One restore of a backup into a registered database. */
@Entity({ name: 'restores' })
export class RestoreEntity extends FencedRecordEntity<RestoreStatus, RestorePhase> {
  /** Null once the backup itself has been deleted; the restore's history stays. */
  @Column({ name: 'backup_id', type: 'bigint', nullable: true })
  backupId!: string | null;

  @Column({ name: 'source_database_id', type: 'bigint' })
  sourceDatabaseId!: string;

  @Column({ name: 'target_database_id', type: 'bigint' })
  targetDatabaseId!: string;

  /**
   * The physical target, "address:port/database" after resolution: one unfinished restore per key, whichever
   * registration names it.
   */
  @Column({ name: 'target_key', type: 'text' })
  targetKey!: string;

  /** The options the restore was requested with, defaults filled in. */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  options!: RestoreOptions;

  /** A partial restore's tables; null when the whole database is restored. */
  @Column({ type: 'jsonb', nullable: true })
  tables!: TableSelection | null;

  /** The restored copy measured against the backup's manifest, before it was switched in. */
  @Column({ type: 'jsonb', nullable: true })
  verification!: ManifestComparison | null;

  /** The database that held the target's name before the switch, kept until it expires or is removed. */
  @Column({ name: 'aside_database', type: 'text', nullable: true })
  asideDatabase!: string | null;

  @Column({ name: 'aside_expires_at', type: 'timestamptz', nullable: true })
  asideExpiresAt!: Date | null;

  @Column({ name: 'aside_dropped_at', type: 'timestamptz', nullable: true })
  asideDroppedAt!: Date | null;
}
