import { scheduleFamilies } from './schedule-metrics.js';
import { describe, expect, it } from '@jest/globals';
import { anomalyFamily, type BackupAggregate, DURATION_BUCKETS, recordFamilies } from './backup-metrics.js';
import { registryOf } from './metric-families.js';
import { queueFamilies } from './queue-metrics.js';

function aggregate(overrides: Partial<BackupAggregate>): BackupAggregate {
  return {
    databaseId: '1', databaseName: 'shop', engine: 'postgres', deleted: false, status: 'success', count: 0, bytes: 0,
    lastFinishedAt: null, durationCount: 0, durationSum: 0, durationBuckets: DURATION_BUCKETS.map(() => 0), warned: 0,
    ...overrides,
  };
}

/** Lines of the text format that are samples of `name` (not HELP/TYPE). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('metrics formatting', () => {
  const rows = [
    // 2 successes of shop: 3 s and 20 s.
    aggregate({ count: 2, bytes: 1500, lastFinishedAt: 1726144209, durationCount: 2, durationSum: 23, durationBuckets: [0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2] }),
    aggregate({ status: 'failed', count: 1, lastFinishedAt: 1726144300, durationCount: 1, durationSum: 0.5, durationBuckets: DURATION_BUCKETS.map(() => 1) }),
    aggregate({ status: 'running', count: 1 }),
    // A MySQL database, deleted since, with one success of 2 hours.
    aggregate({ databaseId: '2', databaseName: 'old "blog"', engine: 'mysql', deleted: true, count: 1, bytes: 10, lastFinishedAt: 1700000000, durationCount: 1, durationSum: 7200, durationBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1] }),
    aggregate({ databaseId: '3', databaseName: 'crm', count: 4, bytes: 500, lastFinishedAt: 1726000000, durationCount: 4, durationSum: 4, durationBuckets: DURATION_BUCKETS.map(() => 4) }),
  ];

  it('renders backups by engine and status, summed over databases', async () => {
    const text = await registryOf(recordFamilies(rows, [])).metrics();
    expect(text).toContain('# TYPE dbbackup_backups gauge');
    expect(samples(text, 'dbbackup_backups')).toEqual([
      'dbbackup_backups{engine="postgres",status="success"} 6',
      'dbbackup_backups{engine="postgres",status="failed"} 1',
      'dbbackup_backups{engine="postgres",status="running"} 1',
      'dbbackup_backups{engine="mysql",status="success"} 1',
    ]);
    expect(samples(text, 'dbbackup_backup_bytes_written')).toEqual([
      'dbbackup_backup_bytes_written{engine="postgres"} 2000',
      'dbbackup_backup_bytes_written{engine="mysql"} 10',
    ]);
  });

  it('renders successful backups with warnings per database, and no series for databases without any', async () => {
    const warnedRows = [...rows, aggregate({ databaseId: '4', databaseName: 'metrics', engine: 'mariadb', count: 3, warned: 2 }), aggregate({ databaseId: '4', databaseName: 'metrics', engine: 'mariadb', status: 'failed', count: 1, warned: 1 })];
    const text = await registryOf(recordFamilies(warnedRows, [])).metrics();
    expect(samples(text, 'dbbackup_backups_with_warnings')).toEqual([
      'dbbackup_backups_with_warnings{database_id="4",database="metrics",engine="mariadb"} 2',
    ]);
  });

  it('renders the duration histogram with cumulative buckets, +Inf, sum and count', async () => {
    const text = await registryOf(recordFamilies(rows, [])).metrics();
    expect(text).toContain('# TYPE dbbackup_backup_duration_seconds histogram');
    const postgresSuccess = samples(text, 'dbbackup_backup_duration_seconds_bucket').filter((l) => l.includes('engine="postgres",status="success"'));
    expect(postgresSuccess.slice(0, 4)).toEqual([
      'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="1"} 4',
      'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="5"} 5',
      'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="15"} 5',
      'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="30"} 6',
    ]);
    expect(postgresSuccess.at(-1)).toBe('dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="+Inf"} 6');
    expect(samples(text, 'dbbackup_backup_duration_seconds_sum')).toEqual([
      'dbbackup_backup_duration_seconds_sum{engine="postgres",status="success"} 27',
      'dbbackup_backup_duration_seconds_sum{engine="postgres",status="failed"} 0.5',
      'dbbackup_backup_duration_seconds_sum{engine="mysql",status="success"} 7200',
    ]);
    expect(samples(text, 'dbbackup_backup_duration_seconds_count')).toEqual([
      'dbbackup_backup_duration_seconds_count{engine="postgres",status="success"} 6',
      'dbbackup_backup_duration_seconds_count{engine="postgres",status="failed"} 1',
      'dbbackup_backup_duration_seconds_count{engine="mysql",status="success"} 1',
    ]);
    // Running backups have no duration yet.
    expect(text).not.toContain('status="running",le=');
  });

  it('gives the last success of each registered database only, with escaped labels', async () => {
    const text = await registryOf(recordFamilies(rows, [{ engine: 'mysql', status: 'failed', count: 2 }])).metrics();
    expect(samples(text, 'dbbackup_last_backup_success_timestamp_seconds')).toEqual([
      'dbbackup_last_backup_success_timestamp_seconds{database_id="1",database="shop",engine="postgres"} 1726144209',
      'dbbackup_last_backup_success_timestamp_seconds{database_id="3",database="crm",engine="postgres"} 1726000000',
    ]);
    expect(samples(text, 'dbbackup_restores')).toEqual(['dbbackup_restores{engine="mysql",status="failed"} 2']);
    const escaped = await registryOf(recordFamilies([aggregate({ databaseName: 'old "blog"', count: 1, lastFinishedAt: 5 })], [])).metrics();
    expect(escaped).toContain('database="old \\"blog\\""');
  });

  it('renders queue depths, workers, and whether Redis answered', async () => {
    const text = await registryOf(queueFamilies([{ queue: 'backups', counts: { waiting: 3, active: 1, delayed: 0, failed: 2 }, workers: 2 }], true)).metrics();
    expect(samples(text, 'dbbackup_queue_jobs')).toEqual([
      'dbbackup_queue_jobs{queue="backups",state="waiting"} 3',
      'dbbackup_queue_jobs{queue="backups",state="active"} 1',
      'dbbackup_queue_jobs{queue="backups",state="delayed"} 0',
      'dbbackup_queue_jobs{queue="backups",state="failed"} 2',
    ]);
    expect(samples(text, 'dbbackup_queue_workers')).toEqual(['dbbackup_queue_workers{queue="backups"} 2']);
    expect(samples(text, 'dbbackup_redis_up')).toEqual(['dbbackup_redis_up 1']);
    const down = await registryOf(queueFamilies([], false)).metrics();
    expect(samples(down, 'dbbackup_redis_up')).toEqual(['dbbackup_redis_up 0']);
    expect(samples(down, 'dbbackup_queue_jobs')).toEqual([]);
  });
});

describe('scheduleFamilies', () => {
  it('reports 1 for a missed schedule and 0 for one on time, labelled by schedule and database', async () => {
    const text = await registryOf(
      scheduleFamilies(
        [
          { scheduleId: '3', databaseId: '7', databaseName: 'shop', missed: true },
          { scheduleId: '4', databaseId: '8', databaseName: 'blog', missed: false },
        ],
        [],
      ),
    ).metrics();
    expect(text).toContain('dbbackup_schedule_missed{schedule_id="3",database_id="7",database="shop"} 1\n');
    expect(text).toContain('dbbackup_schedule_missed{schedule_id="4",database_id="8",database="blog"} 0\n');
    expect(samples(text, 'dbbackup_drill_schedule_missed')).toEqual([]);
  });

  it('reports drill schedules apart, in dbbackup_drill_schedule_missed, and backup schedules only in dbbackup_schedule_missed', async () => {
    const text = await registryOf(
      scheduleFamilies(
        [{ scheduleId: '3', databaseId: '7', databaseName: 'shop', missed: false }],
        [
          { scheduleId: '5', databaseId: '7', databaseName: 'shop', missed: true },
          { scheduleId: '6', databaseId: '8', databaseName: 'blog', missed: false },
        ],
      ),
    ).metrics();
    expect(samples(text, 'dbbackup_drill_schedule_missed')).toEqual([
      'dbbackup_drill_schedule_missed{schedule_id="5",database_id="7",database="shop"} 1',
      'dbbackup_drill_schedule_missed{schedule_id="6",database_id="8",database="blog"} 0',
    ]);
    expect(samples(text, 'dbbackup_schedule_missed')).toEqual(['dbbackup_schedule_missed{schedule_id="3",database_id="7",database="shop"} 0']);
  });
});

describe('anomalyFamily', () => {
  it('counts the backups flagged per database and kind, and has no series without anomalies', async () => {
    const text = await registryOf([
      anomalyFamily([
        { databaseId: '7', databaseName: 'shop', engine: 'postgres', kind: 'size-shrink', count: 2 },
        { databaseId: '7', databaseName: 'shop', engine: 'postgres', kind: 'duration', count: 1 },
      ]),
    ]).metrics();
    expect(samples(text, 'dbbackup_backup_anomalies')).toEqual([
      'dbbackup_backup_anomalies{database_id="7",database="shop",engine="postgres",kind="size-shrink"} 2',
      'dbbackup_backup_anomalies{database_id="7",database="shop",engine="postgres",kind="duration"} 1',
    ]);
    expect(samples(await registryOf([anomalyFamily([])]).metrics(), 'dbbackup_backup_anomalies')).toEqual([]);
  });
});
