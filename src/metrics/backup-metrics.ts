import type { AnomalyAggregate, BackupAggregate } from '../backups/backups.repository.js';
import type { RestoreAggregate } from '../restores/restores.repository.js';
import { DURATION_BUCKETS } from '../core/metrics/duration-buckets.js';
import { addTo, histogramSamples, type Labels, type MetricFamily, type Sample } from './metric-families.js';

export { DURATION_BUCKETS } from '../core/metrics/duration-buckets.js';

export type { AnomalyAggregate, BackupAggregate } from '../backups/backups.repository.js';
export type { RestoreAggregate } from '../restores/restores.repository.js';

const FINISHED = new Set(['success', 'failed']);

function durationFamily(rows: BackupAggregate[]): MetricFamily {
  const name = 'dbbackup_backup_duration_seconds';
  const series = new Map<string, { labels: Labels; buckets: number[]; count: number; sum: number }>();
  for (const row of rows.filter((r) => FINISHED.has(r.status) && r.durationCount > 0)) {
    const labels = { engine: row.engine, status: row.status };
    const key = JSON.stringify(labels);
    const entry = series.get(key) ?? { labels, buckets: DURATION_BUCKETS.map(() => 0), count: 0, sum: 0 };
    row.durationBuckets.forEach((value, i) => (entry.buckets[i]! += value));
    entry.count += row.durationCount;
    entry.sum += row.durationSum;
    series.set(key, entry);
  }
  const values = [...series.values()].flatMap((s) => histogramSamples(name, s.labels, DURATION_BUCKETS, s.buckets, s.count, s.sum));
  return { name, help: 'Time from start to end of finished backups, by engine and outcome.', type: 'histogram', values };
}

function summed<R>(rows: R[], labelsOf: (row: R) => Labels, valueOf: (row: R) => number): Sample[] {
  const samples = new Map<string, Sample>();
  for (const row of rows) addTo(samples, labelsOf(row), valueOf(row));
  return [...samples.values()];
}

/** The PostgreSQL side of /metrics. */
export function recordFamilies(backups: BackupAggregate[], restores: RestoreAggregate[]): MetricFamily[] {
  const successes = backups.filter((row) => row.status === 'success');
  return [
    {
      name: 'dbbackup_backups',
      help: 'Backups on record, by engine and status.',
      type: 'gauge',
      values: summed(backups, (r) => ({ engine: r.engine, status: r.status }), (r) => r.count),
    },
    durationFamily(backups),
    {
      name: 'dbbackup_backup_bytes_written',
      help: 'Bytes of the stored files of the successful backups on record, by engine.',
      type: 'gauge',
      values: summed(successes, (r) => ({ engine: r.engine }), (r) => r.bytes),
    },
    {
      name: 'dbbackup_last_backup_success_timestamp_seconds',
      help: 'When the latest successful backup of each registered database finished (unix time).',
      type: 'gauge',
      values: successes
        .filter((r) => !r.deleted && r.lastFinishedAt !== null)
        .map((r) => ({ labels: { database_id: r.databaseId, database: r.databaseName, engine: r.engine }, value: r.lastFinishedAt! })),
    },
    {
      name: 'dbbackup_backups_with_warnings',
      help: 'Successful backups on record whose dump the tool is known to have changed (lossy columns), by database.',
      type: 'gauge',
      values: successes
        .filter((r) => r.warned > 0)
        .map((r) => ({ labels: { database_id: r.databaseId, database: r.databaseName, engine: r.engine }, value: r.warned })),
    },
    {
      name: 'dbbackup_restores',
      help: 'Restores on record, by engine of the target database and status.',
      type: 'gauge',
      values: restores.map((r) => ({ labels: { engine: r.engine, status: r.status }, value: r.count })),
    },
  ];
}

/** Successful backups flagged with size or duration anomalies (see backups/backup-anomalies.ts). */
export function anomalyFamily(rows: AnomalyAggregate[]): MetricFamily {
  return {
    name: 'dbbackup_backup_anomalies',
    help: 'Successful backups on record whose size or duration departs sharply from their database\'s recent backups, by database and kind.',
    type: 'gauge',
    values: rows.map((r) => ({ labels: { database_id: r.databaseId, database: r.databaseName, engine: r.engine, kind: r.kind }, value: r.count })),
  };
}
