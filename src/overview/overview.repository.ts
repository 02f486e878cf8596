import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BackupAnomaly } from '../backups/backup-anomalies.js';
import type { BackupStatus, BackupTrigger } from '../backups/backup.entity.js';
import type { EngineName } from '../engines/engine-name.js';

/** How many successful backups the size trend shows. */
export const SIZE_TREND_LENGTH = 30;

export interface OverviewScheduleRow {
  cron: string;
  timezone: string;
  enabled: boolean;
  /** ISO text, as json_agg writes timestamps. */
  updatedAt: string;
}

/** One registered database with everything the overview shows, read in one statement. */
export interface OverviewRow {
  id: string;
  name: string;
  engine: EngineName;
  latest_id: string | null;
  latest_status: BackupStatus | null;
  latest_trigger: BackupTrigger | null;
  latest_requested_at: Date | null;
  latest_error: string | null;
  success_id: string | null;
  success_requested_at: Date | null;
  success_finished_at: Date | null;
  success_size_bytes: string | null;
  success_warnings: string[] | null;
  success_anomalies: BackupAnomaly[] | null;
  sizes: number[] | null;
  drill_id: string | null;
  drill_status: 'success' | 'failed' | null;
  drill_finished_at: Date | null;
  restore_time_seconds: number | null;
  schedules: OverviewScheduleRow[] | null;
}

/**
 * One row per registered database. Each LATERAL subquery is a short range scan of an index that starts with
 * database_id: backups_database_idx (latest backup), backups_database_status_idx (latest successes, LIMIT 30),
 * drills_database_requested_idx and schedules_database_idx, so the cost grows with the number of databases, not of
 * backups.
 */
export const OVERVIEW_SQL = `
SELECT d.id, d.name, d.engine,
       latest.id AS latest_id, latest.status AS latest_status, latest.trigger AS latest_trigger,
       latest.requested_at AS latest_requested_at, latest.error AS latest_error,
       success.id AS success_id, success.requested_at AS success_requested_at,
       success.finished_at AS success_finished_at, success.size_bytes AS success_size_bytes,
       success.warnings AS success_warnings, success.anomalies AS success_anomalies,
       trend.sizes, drill.id AS drill_id, drill.status AS drill_status, drill.finished_at AS drill_finished_at,
       good_drill.restore_time_seconds, sched.schedules
  FROM databases d
  LEFT JOIN LATERAL (
    SELECT b.id, b.status, b.trigger, b.requested_at, b.error FROM backups b
     WHERE b.database_id = d.id ORDER BY b.requested_at DESC, b.id DESC LIMIT 1
  ) latest ON true
  LEFT JOIN LATERAL (
    SELECT b.id, b.requested_at, b.finished_at, b.size_bytes, b.warnings, b.anomalies FROM backups b
     WHERE b.database_id = d.id AND b.status = 'success' ORDER BY b.requested_at DESC, b.id DESC LIMIT 1
  ) success ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(recent.size_bytes::float8 ORDER BY recent.requested_at, recent.id) AS sizes FROM (
      SELECT b.id, b.requested_at, b.size_bytes FROM backups b
       WHERE b.database_id = d.id AND b.status = 'success' ORDER BY b.requested_at DESC, b.id DESC LIMIT ${SIZE_TREND_LENGTH}
    ) recent
  ) trend ON true
  LEFT JOIN LATERAL (
    SELECT r.id, r.status, r.finished_at FROM drills r
     WHERE r.database_id = d.id AND r.status IN ('success', 'failed') ORDER BY r.finished_at DESC, r.id DESC LIMIT 1
  ) drill ON true
  LEFT JOIN LATERAL (
    SELECT r.restore_time_seconds FROM drills r
     WHERE r.database_id = d.id AND r.status = 'success' ORDER BY r.finished_at DESC, r.id DESC LIMIT 1
  ) good_drill ON true
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('cron', s.cron, 'timezone', s.timezone, 'enabled', s.enabled, 'updatedAt', s.updated_at)
                    ORDER BY s.id) AS schedules
      FROM schedules s WHERE s.database_id = d.id AND s.kind = 'backup'
  ) sched ON true
 WHERE d.deleted_at IS NULL
 ORDER BY d.name`;

/** The SQL of GET /overview. */
@Injectable()
export class OverviewRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  rows(): Promise<OverviewRow[]> {
    return this.dataSource.query(OVERVIEW_SQL);
  }
}
