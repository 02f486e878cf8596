import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How many successful backups of one database to keep. A null rule keeps nothing by itself. */
@Entity({ name: 'retention_policies' })
export class RetentionPolicyEntity {
  @PrimaryColumn({ name: 'database_id', type: 'bigint' })
  databaseId!: string;

  @Column({ name: 'keep_last', type: 'integer', nullable: true })
  keepLast!: number | null;

  @Column({ name: 'keep_days', type: 'integer', nullable: true })
  keepDays!: number | null;

  @Column({ name: 'keep_daily', type: 'integer', nullable: true })
  keepDaily!: number | null;

  @Column({ name: 'keep_weekly', type: 'integer', nullable: true })
  keepWeekly!: number | null;

  @Column({ name: 'keep_monthly', type: 'integer', nullable: true })
  keepMonthly!: number | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
