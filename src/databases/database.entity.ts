import type { Compression } from '../storage/compression.js';
import type { EngineName } from '../engines/engine-name.js';
import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';


/** A database registered for backups. Soft-deleted so that its backups keep their history. */
@Entity({ name: 'databases' })
export class DatabaseEntity {
  /** bigint: the driver returns it as a string, which is what the API shows. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  engine!: EngineName;

  @Column({ type: 'varchar', length: 255 })
  host!: string;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ name: 'database', type: 'varchar', length: 255 })
  database!: string;

  @Column({ type: 'varchar', length: 255 })
  username!: string;

  /** AES-256-GCM sealed password; null once the registration is deleted. */
  @Column({ name: 'password_encrypted', type: 'text', nullable: true })
  passwordEncrypted!: string | null;

  @Column({ type: 'varchar', length: 8, default: 'zstd' })
  compression!: Compression;

  /** Whether its backup files are encrypted with BACKUP_ENCRYPTION_KEY. */
  @Column({ type: 'boolean', default: false })
  encrypted!: boolean;

  /** Where its backups go; null means the local directory. */
  @Column({ name: 'storage_target_id', type: 'bigint', nullable: true })
  storageTargetId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
