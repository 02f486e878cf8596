import type pg from 'pg';
import { ApiClient } from './support/api-client.js';
import { connect, withClient } from './support/postgres.js';
import { type ApiProcess, freePort, type ServiceProcess, waitFor } from './support/service-processes.js';
import { ownedDatabase, startStack, stopStack } from './support/stack.js';
import { postgresRegistration, type TestEnv } from './support/test-env.js';

/** Sample lines of the text format whose name and labels start with `prefix`. */
function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

describe('Metrics, worker metrics, progress and job log context', () => {
  let env: TestEnv;
  let api: ApiProcess;
  let worker: ServiceProcess;
  let client: ApiClient;
  let workerMetricsUrl: string;
  let source: string;
  const ids: Record<'good' | 'bad', string> = { good: '', bad: '' };

  beforeAll(async () => {
    const metricsPort = await freePort();
    ({ env, api, worker, client } = await startStack({ WORKER_METRICS_PORT: String(metricsPort) }));
    workerMetricsUrl = `http://127.0.0.1:${metricsPort}`;
    source = await ownedDatabase(env, 'metrics_src');
    await withClient(source, (c) => c.query('CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g'));
    for (const [name, database] of [['good', source], ['bad', `missing_${env.id}`]] as const) {
      const created = await client.post('/databases', postgresRegistration(name, database));
      ids[name] = created.body.databaseId;
    }
  });

  afterAll(() => stopStack({ env, api, worker }));

  it('serves /metrics in the Prometheus text format, to a key with the read scope', async () => {
    const response = await client.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(lines(response.text, 'dbbackup_redis_up')).toEqual(['dbbackup_redis_up 1']);
    expect(lines(response.text, 'dbbackup_backups{')).toEqual([]);
    expect(lines(response.text, 'dbbackup_queue_workers')).toEqual([
      'dbbackup_queue_workers{queue="backups"} 1',
      'dbbackup_queue_workers{queue="restores"} 1',
      'dbbackup_queue_workers{queue="webhooks"} 1',
      'dbbackup_queue_workers{queue="schedules"} 1',
      'dbbackup_queue_workers{queue="retention"} 1',
    ]);
    expect(response.text).toContain('# TYPE process_cpu_user_seconds_total counter');
  });

  let success: any;
  let failure: any;

  it('counts a success and a failure exactly, by engine and status', async () => {
    success = await client.waitForBackup((await client.post('/backups', { databaseId: ids.good })).body.backupId);
    failure = await client.waitForBackup((await client.post('/backups', { databaseId: ids.bad })).body.backupId);
    expect([success.status, failure.status]).toEqual(['success', 'failed']);

    // The row is final a moment before BullMQ moves the job out of `active`.
    const text = await waitFor(async () => {
      const scraped = (await client.get('/metrics')).text;
      return scraped.includes('dbbackup_queue_jobs{queue="backups",state="active"} 0') ? scraped : undefined;
    }, 15_000, 100);
    expect(lines(text, 'dbbackup_backups{')).toEqual([
      'dbbackup_backups{engine="postgres",status="success"} 1',
      'dbbackup_backups{engine="postgres",status="failed"} 1',
    ]);
    expect(lines(text, 'dbbackup_backup_duration_seconds_count')).toEqual([
      'dbbackup_backup_duration_seconds_count{engine="postgres",status="success"} 1',
      'dbbackup_backup_duration_seconds_count{engine="postgres",status="failed"} 1',
    ]);
    expect(lines(text, 'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="+Inf"}')).toEqual([
      'dbbackup_backup_duration_seconds_bucket{engine="postgres",status="success",le="+Inf"} 1',
    ]);
    expect(lines(text, 'dbbackup_backup_bytes_written')).toEqual([`dbbackup_backup_bytes_written{engine="postgres"} ${success.sizeBytes}`]);
    const [last] = lines(text, 'dbbackup_last_backup_success_timestamp_seconds');
    const match = new RegExp(`^dbbackup_last_backup_success_timestamp_seconds\\{database_id="${ids.good}",database="good",engine="postgres"\\} ([\\d.]+)$`).exec(last ?? '');
    expect(match).not.toBeNull();
    expect(Math.floor(Number(match![1]))).toBe(Date.parse(success.finishedAt) / 1000);
    expect(lines(text, 'dbbackup_queue_jobs{queue="backups"')).toEqual([
      'dbbackup_queue_jobs{queue="backups",state="waiting"} 0',
      'dbbackup_queue_jobs{queue="backups",state="active"} 0',
      'dbbackup_queue_jobs{queue="backups",state="delayed"} 0',
      'dbbackup_queue_jobs{queue="backups",state="failed"} 1',
    ]);
    expect(lines(text, 'dbbackup_restores{')).toEqual([]);
  });

  it("lets a worker with WORKER_METRICS_PORT serve its own metrics", async () => {
    const response = await fetch(`${workerMetricsUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(lines(text, 'dbbackup_worker_jobs_total')).toEqual([
      'dbbackup_worker_jobs_total{queue="backups",outcome="completed"} 1',
      'dbbackup_worker_jobs_total{queue="backups",outcome="failed"} 1',
    ]);
    expect(lines(text, 'dbbackup_worker_backup_bytes_written_total')).toEqual([
      `dbbackup_worker_backup_bytes_written_total{engine="postgres"} ${success.sizeBytes}`,
    ]);
    expect(lines(text, 'dbbackup_worker_dump_duration_seconds_count')).toEqual(['dbbackup_worker_dump_duration_seconds_count{engine="postgres"} 1']);
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect((await fetch(`${workerMetricsUrl}/other`)).status).toBe(404);
  });

  it('puts the backup id on the log lines of its job', () => {
    const line = worker.output.split('\n').find((l) => l.includes(`Backup ${failure.backupId} attempt 1 failed`));
    expect(JSON.parse(line!)).toMatchObject({ backupId: failure.backupId, level: 40 });
  });

  describe('while a backup runs', () => {
    let locker: pg.Client;

    afterAll(async () => {
      await locker?.end().catch(() => undefined);
    });

    it('shows its phase and bytes written, and no progress once finished', async () => {
      locker = connect(source);
      await locker.connect();
      // pg_dump waits for this lock: the backup stays running for as long as the test holds it.
      await locker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const backupId = (await client.post('/backups', { databaseId: ids.good })).body.backupId;
      const running = await waitFor(async () => {
        const { body } = await client.get(`/backups/${backupId}`);
        return body.progress?.phase === 'dumping' ? body : undefined;
      }, 30_000, 100);
      expect(running.status).toBe('running');
      expect(running.progress).toEqual({ phase: 'dumping', bytesWritten: expect.any(Number) });
      expect(running.progress.bytesWritten).toBeGreaterThanOrEqual(0);
      const { text } = await client.get('/metrics');
      expect(lines(text, 'dbbackup_backups{engine="postgres",status="running"}')).toEqual(['dbbackup_backups{engine="postgres",status="running"} 1']);
      expect(lines(text, 'dbbackup_queue_jobs{queue="backups",state="active"}')).toEqual(['dbbackup_queue_jobs{queue="backups",state="active"} 1']);

      await locker.query('COMMIT');
      const finished = await client.waitForBackup(backupId);
      expect(finished.status).toBe('success');
      expect(finished.progress).toBeNull();
    });
  });
});
