import { Column, Entity } from 'typeorm';
import { FencedRecordEntity } from '../core/database/fenced-record.entity.js';
import type { ManifestComparison } from '../engines/backup-catalog.js';
import type { DrillProbe, ProbeResult } from './drill-probe.js';
import type { DrillPhase } from './drill-progress.js';

export const DRILL_STATUSES = ['queued', 'running', 'success', 'failed'] as const;
export type DrillStatus = (typeof DRILL_STATUSES)[number];

export const DRILL_TRIGGERS = ['manual', 'schedule'] as const;
export type DrillTrigger = (typeof DRILL_TRIGGERS)[number];

/** One restore drill: a database's newest successful backup restored into a scratch database on a sandbox. */
@Entity({ name: 'drills' })
export class DrillEntity extends FencedRecordEntity<DrillStatus, DrillPhase> {
  @Column({ name: 'database_id', type: 'bigint' })
  databaseId!: string;

  /** Null once the sandbox was removed; the drill's history stays. */
  @Column({ name: 'sandbox_id', type: 'bigint', nullable: true })
  sandboxId!: string | null;

  /** The backup restored, chosen when the drill starts; null until then, or once the backup is deleted. */
  @Column({ name: 'backup_id', type: 'bigint', nullable: true })
  backupId!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'manual' })
  trigger!: DrillTrigger;

  /** The drill schedule whose tick made this drill; null for a drill run now. */
  @Column({ name: 'schedule_id', type: 'bigint', nullable: true })
  scheduleId!: string | null;

  /** The tick this drill stands for (unique per schedule: a redelivered tick makes no second drill). */
  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor!: Date | null;

  /** The scratch database of the latest attempt, on the sandbox (always dropped). */
  @Column({ name: 'scratch_database', type: 'text', nullable: true })
  scratchDatabase!: string | null;

  @Column({ name: 'scratch_dropped_at', type: 'timestamptz', nullable: true })
  scratchDroppedAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  verification!: ManifestComparison | null;

  @Column({ type: 'jsonb', nullable: true })
  probe!: DrillProbe | null;

  @Column({ name: 'probe_result', type: 'jsonb', nullable: true })
  probeResult!: ProbeResult | null;

  /** Seconds from creating the scratch database to the restore tool's end: this database's recovery time here. */
  @Column({ name: 'restore_time_seconds', type: 'double precision', nullable: true })
  restoreTimeSeconds!: number | null;
}
