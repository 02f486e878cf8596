import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { isoSeconds } from '../core/http/id-param.js';
import type { OverviewDatabaseDto } from './dto/overview-response.dto.js';
import { overviewState, summarizeSchedules, worstFirst } from './overview-state.js';
import { type OverviewRow, OverviewRepository } from './overview.repository.js';

/** GET /overview: every registered database's state, worst first. */
@Injectable()
export class OverviewService {
  constructor(
    private readonly overview: OverviewRepository,
    private readonly config: AppConfig,
  ) {}

  async list(now = new Date()): Promise<OverviewDatabaseDto[]> {
    const rows = await this.overview.rows();
    return worstFirst(rows.map((row) => this.describe(row, now)));
  }

  private describe(row: OverviewRow, now: Date): OverviewDatabaseDto {
    const schedules = (row.schedules ?? []).map((schedule) => ({ ...schedule, updatedAt: new Date(schedule.updatedAt) }));
    const summary = summarizeSchedules(schedules, row.success_requested_at, now, this.config.scheduleMissedGraceMs);
    const warnings = row.success_warnings ?? [];
    const anomalies = (row.success_anomalies ?? []).map(({ kind, message }) => ({ kind, message }));
    const state = overviewState({
      latestStatus: row.latest_status,
      hasSuccess: row.success_id !== null,
      missed: summary.missed,
      warningCount: warnings.length,
      anomalyCount: anomalies.length,
      lastDrillFailed: row.drill_status === 'failed',
    });
    return {
      databaseId: String(row.id),
      name: row.name,
      engine: row.engine,
      state,
      freshness: summary.freshness,
      latestBackup: latestBackup(row),
      lastSuccess: lastSuccess(row),
      nextRunAt: isoSeconds(summary.nextRunAt),
      missedSchedule: summary.missed,
      lastDrill: row.drill_id === null ? null : { drillId: String(row.drill_id), status: row.drill_status!, finishedAt: isoSeconds(row.drill_finished_at) },
      restoreTimeSeconds: row.restore_time_seconds,
      warnings,
      anomalies,
      sizes: row.sizes ?? [],
    };
  }
}

function latestBackup(row: OverviewRow): OverviewDatabaseDto['latestBackup'] {
  if (row.latest_id === null) return null;
  return {
    backupId: String(row.latest_id),
    status: row.latest_status!,
    trigger: row.latest_trigger!,
    requestedAt: isoSeconds(row.latest_requested_at!),
    error: row.latest_status === 'failed' ? row.latest_error : null,
  };
}

function lastSuccess(row: OverviewRow): OverviewDatabaseDto['lastSuccess'] {
  if (row.success_id === null) return null;
  return {
    backupId: String(row.success_id),
    requestedAt: isoSeconds(row.success_requested_at!),
    finishedAt: isoSeconds(row.success_finished_at),
    sizeBytes: row.success_size_bytes === null ? null : Number(row.success_size_bytes),
  };
}
