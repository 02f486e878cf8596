import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { EngineName } from '../engines/engine-name.js';

/**
 * A database server where drills restore backups into scratch databases: credentials that may create and drop
 * databases. Never a registered target: no backup or restore ever names it.
 */
@Entity({ name: 'sandboxes' })
export class SandboxEntity {
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

  /** The database the service connects to in order to create and drop scratch databases. */
  @Column({ name: 'maintenance_database', type: 'varchar', length: 255 })
  maintenanceDatabase!: string;

  @Column({ type: 'varchar', length: 255 })
  username!: string;

  /** AES-256-GCM sealed password (CREDENTIALS_KEY), as for registered databases. */
  @Column({ name: 'password_encrypted', type: 'text' })
  passwordEncrypted!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
