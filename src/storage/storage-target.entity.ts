import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const STORAGE_KINDS = ['s3'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/**
 * A named place where backups can be stored, besides the built-in local directory (STORAGE_DIR).
 * Soft-deleted, so backups stored there keep pointing at it.
 */
@Entity({ name: 'storage_targets' })
export class StorageTargetEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: StorageKind;

  @Column({ type: 'varchar', length: 255 })
  bucket!: string;

  @Column({ type: 'varchar', length: 64 })
  region!: string;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  endpoint!: string | null;

  @Column({ name: 'force_path_style', type: 'boolean', default: false })
  forcePathStyle!: boolean;

  @Column({ type: 'varchar', length: 512, default: '' })
  prefix!: string;

  @Column({ name: 'access_key_id', type: 'varchar', length: 255 })
  accessKeyId!: string;

  /** AES-256-GCM sealed secret access key (CREDENTIALS_KEY). */
  @Column({ name: 'secret_encrypted', type: 'text', nullable: true })
  secretEncrypted!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
