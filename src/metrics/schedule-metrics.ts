import type { ScheduleAggregate } from '../schedules/schedules.repository.js';
import type { MetricFamily } from './metric-families.js';

export type { ScheduleAggregate } from '../schedules/schedules.repository.js';

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
