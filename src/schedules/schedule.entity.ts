import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { DrillProbe } from '../drills/drill-probe.js';

export const SCHEDULE_KINDS = ['backup', 'drill'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** A cron schedule of one database. Workers turn it into a BullMQ job scheduler; this row is the record. */
@Entity({ name: 'schedules' })
export class ScheduleEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'database_id', type: 'bigint' })
  databaseId!: string;

  /** What a tick makes: a backup (/schedules) or a restore drill (/drill-schedules). */
  @Column({ type: 'varchar', length: 16, default: 'backup' })
  kind!: ScheduleKind;

  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
  @Column({ type: 'varchar', length: 120 })
  cron!: string;

  /** IANA time zone the cron is read in. */
  @Column({ type: 'varchar', length: 64, default: 'UTC' })
  timezone!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Ticks before this are not expected: changing a schedule restarts its missed-backup clock. */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Set by the worker's periodic check when the schedule was found missed (so a miss is reported once). */
  @Column({ name: 'missed_since', type: 'timestamptz', nullable: true })
  missedSince!: Date | null;

  /** A drill schedule's sandbox; null: the first sandbox of the engine family at each tick. */
  @Column({ name: 'drill_sandbox_id', type: 'bigint', nullable: true })
  drillSandboxId!: string | null;

  /** The probe each drill of a drill schedule runs; null: none. */
  @Column({ name: 'drill_probe', type: 'jsonb', nullable: true })
  drillProbe!: DrillProbe | null;
}
