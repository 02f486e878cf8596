import { describe, expect, it } from '@jest/globals';
import { DelayedError, type Job } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { JobInterruptedError } from '../database/fenced-records.js';
import { handle, JobHost, type JobAttempt, jobsNotSettled, type JobTracker } from './job-host.js';
import { Jobs, QueueNames } from './job-registry.js';

const config = { workerConcurrency: 2, workerLockSeconds: 30, webhookMaxAttempts: 5, webhookBackoffMs: 1000, shutdownGraceMs: 1000 } as AppConfig;

class RecordingTracker implements JobTracker {
  readonly calls: Array<{ bindings: Record<string, string>; counted: boolean }> = [];
  async track(_job: Job, bindings: Record<string, string>, work: () => Promise<void>, counted: boolean): Promise<void> {
    this.calls.push({ bindings, counted });
    await work();
  }
}

class TestHost extends JobHost {
  readonly runs: Array<{ backupId: string; attempt: JobAttempt }> = [];
  readonly verifies: string[] = [];
  failWith?: Error;

  constructor(tracker: JobTracker) {
    super(QueueNames.backups, config, tracker);
  }

  protected handlers() {
    return [
      handle(Jobs.runBackup, async ({ backupId }, attempt) => {
        if (this.failWith) throw this.failWith;
        this.runs.push({ backupId, attempt });
      }),
      handle(Jobs.verifyBackup, async ({ backupId }) => void this.verifies.push(backupId)),
    ];
  }
}

function fakeJob(name: string, data: object, attemptsMade = 0): Job & { delayedUntil?: number } {
  const job = {
    id: 'job-1',
    name,
    data,
    attemptsMade,
    opts: { attempts: 3 },
    timestamp: 0,
    delay: 0,
    queueName: QueueNames.backups,
    moveToDelayed: async (until: number) => void (job.delayedUntil = until),
  } as unknown as Job & { delayedUntil?: number };
  return job;
}

describe('JobHost', () => {
  it('dispatches by job name with the typed data, the attempt, the log bindings and whether it is counted', async () => {
    const tracker = new RecordingTracker();
    const host = new TestHost(tracker);
    await host.process(fakeJob('run-backup', { backupId: '7' }, 1));
    await host.process(fakeJob('verify-backup', { backupId: '8', requestId: 'r' }, 0));
    expect(host.runs.map((run) => [run.backupId, run.attempt.retriesLeft, run.attempt.shutdown.aborted])).toEqual([['7', true, false]]);
    expect(host.verifies).toEqual(['8']);
    expect(tracker.calls).toEqual([
      { bindings: { backupId: '7' }, counted: true },
      { bindings: { backupId: '8', requestId: 'r' }, counted: false },
    ]);
  });

  it('tells the handler when the attempt is the last one', async () => {
    const host = new TestHost(new RecordingTracker());
    await host.process(fakeJob('run-backup', { backupId: '7' }, 2));
    expect(host.runs[0]!.attempt.retriesLeft).toBe(false);
  });

  it('ignores a job it does not know, without running anything', async () => {
    const tracker = new RecordingTracker();
    const host = new TestHost(tracker);
    await host.process(fakeJob('no-such-job', { backupId: '7' }));
    expect(host.runs).toEqual([]);
    expect(tracker.calls).toEqual([]);
  });

  it('hands a job interrupted by shutdown back to the queue without spending an attempt', async () => {
    const host = new TestHost(new RecordingTracker());
    host.failWith = new JobInterruptedError();
    const job = fakeJob('run-backup', { backupId: '7' });
    const before = Date.now();
    await expect(host.process(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedUntil).toBeGreaterThanOrEqual(before);
    expect(jobsNotSettled()).toEqual([]);
  });

  it('lets any other failure through for BullMQ to retry or fail', async () => {
    const host = new TestHost(new RecordingTracker());
    host.failWith = new Error('S3 upload failed (HTTP 503)');
    await expect(host.process(fakeJob('run-backup', { backupId: '7' }))).rejects.toThrow('S3 upload failed (HTTP 503)');
  });
});
