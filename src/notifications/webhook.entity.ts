import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { WebhookEvent } from './webhook-events.js';

/** A receiver of event notifications: for one database, or for all of them when `databaseId` is null. */
@Entity({ name: 'webhooks' })
export class WebhookEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ name: 'database_id', type: 'bigint', nullable: true })
  databaseId!: string | null;

  @Column({ type: 'text', array: true })
  events!: WebhookEvent[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** AES-256-GCM sealed signing secret (CREDENTIALS_KEY); needed in clear to sign, never shown again. */
  @Column({ name: 'secret_encrypted', type: 'text' })
  secretEncrypted!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
