import type { MetricFamily } from './metric-families.js';

/** One row per enabled schedule of a registered database. */
export interface ScheduleAggregate {
  scheduleId: string;
  databaseId: string;
  databaseName: string;
  missed: boolean;
}

export const SCHEDULE_AGGREGATE_SQL = `
  SELECT s.id::text AS "scheduleId", d.id::text AS "databaseId", d.name AS "databaseName", s.missed_since IS NOT NULL AS missed
  FROM schedules s JOIN databases d ON d.id = s.database_id
  WHERE s.enabled AND d.deleted_at IS NULL
  ORDER BY s.id`;

/** 1 while a schedule is missed (as recorded by the workers' missed-schedule monitor), else 0. */
export function scheduleFamilies(schedules: ScheduleAggregate[]): MetricFamily[] {
  return [
    {
      name: 'dbbackup_schedule_missed',
      help: 'Whether an enabled schedule is missed: no successful backup since a tick older than the grace period.',
      type: 'gauge',
      values: schedules.map((s) => ({
        labels: { schedule_id: s.scheduleId, database_id: s.databaseId, database: s.databaseName },
        value: s.missed ? 1 : 0,
      })),
    },
  ];
}
