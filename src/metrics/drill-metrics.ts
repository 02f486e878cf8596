import type { DrillSuccessRow } from '../drills/drills.repository.js';
import type { MetricFamily } from './metric-families.js';

/** Per registered database, from its newest successful drill: when it finished and how long the restore took. */
export function drillFamilies(rows: DrillSuccessRow[]): MetricFamily[] {
  const labelsOf = (row: DrillSuccessRow) => ({ database_id: row.database_id, database: row.database_name, engine: row.engine });
  return [
    {
      name: 'dbbackup_drill_last_success_timestamp_seconds',
      help: 'When the newest successful restore drill of each database finished (Unix time).',
      type: 'gauge',
      values: rows.map((row) => ({ labels: labelsOf(row), value: new Date(row.finished_at).getTime() / 1000 })),
    },
    {
      name: 'dbbackup_drill_restore_time_seconds',
      help: "Restore time measured by each database's newest successful drill: its recovery time on the sandbox.",
      type: 'gauge',
      values: rows.map((row) => ({ labels: labelsOf(row), value: Number(row.restore_time_seconds) })),
    },
  ];
}
