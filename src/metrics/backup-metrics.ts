import { addTo, histogramSamples, type Labels, type MetricFamily, type Sample } from './metric-families.js';

/** Upper bounds (seconds) of the backup duration histogram: from a second to the 6-hour default time limit. */
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600] as const;

/** One row per (database, status): what the scrape reads from PostgreSQL. */
export interface BackupAggregate {
  databaseId: string;
  databaseName: string;
  engine: string;
  /** Whether the registration was deleted: its history still counts, it gets no last-success series. */
  deleted: boolean;
  status: string;
  count: number;
  bytes: number;
  lastFinishedAt: number | null;
  durationCount: number;
  durationSum: number;
  /** Finished backups with a duration ≤ each of DURATION_BUCKETS. */
  durationBuckets: number[];
  /** Backups with at least one warning (lossy columns). */
  warned: number;
}

export interface RestoreAggregate {
  engine: string;
  status: string;
  count: number;
}

const bucketColumns = DURATION_BUCKETS.map((bound) => `count(*) FILTER (WHERE duration <= interval '${bound} seconds')`).join(', ');

/**
 * One pass over the backups, grouped by database and status before the small join with the registrations.
 * Durations stay intervals until the sum (epoch arithmetic on every row, which is numeric, costs about three times
 * as much); on the benchmark the whole query costs about 2-3 times a bare `GROUP BY` of the table
 * (bench/results/metrics-scrape.md).
 */
export const BACKUP_AGGREGATE_SQL = `
  SELECT a.database_id::text AS "databaseId", d.name AS "databaseName", d.engine, d.deleted_at IS NOT NULL AS deleted,
         a.status, a.count, a.bytes, a.last_finished_at AS "lastFinishedAt", a.duration_count AS "durationCount",
         a.duration_sum AS "durationSum", a.duration_buckets AS "durationBuckets", a.warned
  FROM (
    SELECT database_id, status, count(*)::float8 AS count, coalesce(sum(size_bytes), 0)::float8 AS bytes,
           date_part('epoch', max(finished_at)) AS last_finished_at,
           count(duration)::float8 AS duration_count, coalesce(date_part('epoch', sum(duration)), 0) AS duration_sum,
           ARRAY[${bucketColumns}]::float8[] AS duration_buckets,
           count(*) FILTER (WHERE has_warnings)::float8 AS warned
    FROM (SELECT database_id, status, size_bytes, finished_at, finished_at - started_at AS duration,
                 warnings <> '[]'::jsonb AS has_warnings FROM backups) b
    GROUP BY database_id, status
  ) a JOIN databases d ON d.id = a.database_id
  ORDER BY a.database_id, a.status`;

export const RESTORE_AGGREGATE_SQL = `
  SELECT d.engine, r.status, count(*)::float8 AS count
  FROM restores r JOIN databases d ON d.id = r.target_database_id
  GROUP BY d.engine, r.status ORDER BY d.engine, r.status`;

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
