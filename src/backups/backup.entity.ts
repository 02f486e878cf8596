import { Column, Entity, JoinColumn, ManyToOne } from 'typeorm';
import { FencedRecordEntity } from '../core/database/fenced-record.entity.js';
import { DatabaseEntity } from '../databases/database.entity.js';
import type { EngineName } from '../engines/engine-name.js';
import type { BackupManifest } from '../engines/backup-catalog.js';
import type { BackupAnomaly } from './backup-anomalies.js';
import type { Compression } from '../storage/compression.js';
import type { BackupPhase } from './backup-progress.js';

export const BACKUP_STATUSES = ['queued', 'running', 'success', 'failed'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];
export const VERIFICATION_STATUSES = ['passed', 'failed'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];
export const BACKUP_TRIGGERS = ['manual', 'schedule'] as const;
export type BackupTrigger = (typeof BACKUP_TRIGGERS)[number];

/** One backup of one database. This row, not the queue, is the record of what happened. */
@Entity({ name: 'backups' })
export class BackupEntity extends FencedRecordEntity<BackupStatus, BackupPhase> {
  @Column({ name: 'database_id', type: 'bigint' })
  databaseId!: string;

  @ManyToOne(() => DatabaseEntity)
  @JoinColumn({ name: 'database_id' })
  database?: DatabaseEntity;

  @Column({ type: 'varchar', length: 16 })
  trigger!: BackupTrigger;

  /** The schedule that made this backup (trigger `schedule`); null for manual ones or once the schedule is deleted. */
  @Column({ name: 'schedule_id', type: 'bigint', nullable: true })
  scheduleId!: string | null;

  /** The cron tick a scheduled backup was made for; unique per schedule so a retried tick cannot make a second one. */
  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor!: Date | null;

  /** Key inside the storage target; derived from server-side ids only. */
  @Column({ name: 'storage_key', type: 'text', nullable: true })
  storageKey!: string | null;

  @Column({ name: 'file_location', type: 'text', nullable: true })
  fileLocation!: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true })
  sizeBytes!: string | null;

  /** sha256 of the stored file, hex. */
  @Column({ type: 'char', length: 64, nullable: true })
  checksum!: string | null;

  @Column({ name: 'server_version', type: 'text', nullable: true })
  serverVersion!: string | null;

  /**
   * The engine, compression, encryption and storage target are recorded when the backup is requested (and again
   * when a worker claims it): the file is read back with them, whatever its registration says later.
   */
  @Column({ type: 'varchar', length: 16 })
  engine!: EngineName;

  @Column({ type: 'varchar', length: 8, default: 'none' })
  compression!: Compression;

  @Column({ type: 'boolean', default: false })
  encrypted!: boolean;

  /** The storage target holding the file; null means the local directory. */
  @Column({ name: 'storage_target_id', type: 'bigint', nullable: true })
  storageTargetId!: string | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @Column({ name: 'verification_status', type: 'varchar', length: 8, nullable: true })
  verificationStatus!: VerificationStatus | null;

  @Column({ name: 'verification_error', type: 'text', nullable: true })
  verificationError!: string | null;

  /** The catalog sidecar (manifest, database properties, accounts), stored beside the dump like the dump. */
  @Column({ name: 'catalog_key', type: 'text', nullable: true })
  catalogKey!: string | null;

  @Column({ name: 'catalog_size_bytes', type: 'bigint', nullable: true })
  catalogSizeBytes!: string | null;

  @Column({ name: 'catalog_checksum', type: 'char', length: 64, nullable: true })
  catalogChecksum!: string | null;

  /** Row and object counts of the source, taken in the dump's snapshot; every restore is checked against them. */
  @Column({ type: 'jsonb', nullable: true })
  manifest!: BackupManifest | null;

  /** Columns or objects the dump tool is known to change (the backup succeeded, but says so). */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  warnings!: string[];

  /** How a successful backup departs from its database's recent ones (size, duration); not a failure. */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  anomalies!: BackupAnomaly[];
}
