import type { ScheduleAggregate } from '../schedules/schedules.repository.js';
import type { MetricFamily, Sample } from './metric-families.js';

export type { ScheduleAggregate } from '../schedules/schedules.repository.js';

/**
 * 1 while a schedule is missed (as recorded by the workers' missed-schedule monitor), else 0: backup schedules in
 * dbbackup_schedule_missed, drill schedules in dbbackup_drill_schedule_missed.
 */
export function scheduleFamilies(backupSchedules: ScheduleAggregate[], drillSchedules: ScheduleAggregate[]): MetricFamily[] {
  return [
    {
      name: 'dbbackup_schedule_missed',
      help: 'Whether an enabled schedule is missed: no successful backup since a tick older than the grace period.',
      type: 'gauge',
      values: backupSchedules.map(missedSample),
    },
    {
      name: 'dbbackup_drill_schedule_missed',
      help: 'Whether an enabled drill schedule is missed: no successful restore drill since a tick older than the grace period.',
      type: 'gauge',
      values: drillSchedules.map(missedSample),
    },
  ];
}

function missedSample(schedule: ScheduleAggregate): Sample {
  return { labels: { schedule_id: schedule.scheduleId, database_id: schedule.databaseId, database: schedule.databaseName }, value: schedule.missed ? 1 : 0 };
}
