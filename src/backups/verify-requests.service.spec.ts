import { describe, expect, it } from '@jest/globals';
import type { FinishedListener } from '../core/database/finished-listener.js';
import type { JobQueues } from '../core/queue/job-queues.js';
import type { VerifyJobData } from '../core/queue/job-registry.js';
import { verificationCancelledKey, verificationDoneKey } from './backup-verification.js';
import { QueueUnavailableError } from './backups.errors.js';
import { VerifyRequests } from './verify-requests.service.js';
import type { BackupsRepository } from './backups.repository.js';

/** An in-memory stand-in for PostgreSQL NOTIFY/LISTEN and the verify job in Redis. */
class Fakes {
  readonly listeners = new Map<string, () => void>();
  readonly notified: string[] = [];
  readonly removed: string[] = [];
  enqueued?: VerifyJobData;
  jobId?: string;
  state = 'waiting';
  failedReason?: string;
  enqueueFails = false;
  /** What the fake worker does once the job is queued. */
  onEnqueued: (jobId: string) => void = () => undefined;

  readonly listener = {
    subscribe: (key: string, listener: () => void) => {
      this.listeners.set(key, listener);
      return () => this.listeners.delete(key);
    },
  } as unknown as FinishedListener;

  readonly queues = {
    enqueue: async (job: { jobId(data: VerifyJobData): string }, data: VerifyJobData) => {
      if (this.enqueueFails) throw new Error('Enqueueing verify-backup timed out after 1500 ms');
      this.enqueued = data;
      this.jobId = job.jobId(data);
      setImmediate(() => this.onEnqueued(this.jobId!));
      return this.jobId;
    },
    stateOf: async () => ({ state: this.state, failedReason: this.failedReason }),
    removeIfIdle: async (_job: unknown, jobId: string) => void this.removed.push(jobId),
  } as unknown as JobQueues;

  readonly backups = {
    announce: async (key: string) => {
      this.notified.push(key);
      this.listeners.get(key)?.();
    },
  } as unknown as BackupsRepository;

  announce(key: string): void {
    this.listeners.get(key)?.();
  }

  requests(): VerifyRequests {
    return new VerifyRequests(this.queues, this.listener, this.backups);
  }
}

describe('VerifyRequests', () => {
  it('queues a job with ids only and returns once the worker announces the recorded verdict', async () => {
    const fakes = new Fakes();
    fakes.onEnqueued = (jobId) => fakes.announce(verificationDoneKey(jobId));
    await fakes.requests().verifyInWorker('7');
    expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fakes.jobId).toBe(`verify-7-${fakes.enqueued!.requestId}`);
    expect(fakes.listeners.size).toBe(0);
  });

  it('also returns when Redis shows the job completed (an announcement missed)', async () => {
    const fakes = new Fakes();
    fakes.onEnqueued = () => (fakes.state = 'completed');
    await fakes.requests().verifyInWorker('7');
  });

  it('answers QueueUnavailableError when the job cannot be queued', async () => {
    const fakes = new Fakes();
    fakes.enqueueFails = true;
    await expect(fakes.requests().verifyInWorker('7')).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(fakes.listeners.size).toBe(0);
  });

  it('fails when the job failed or was lost', async () => {
    const failed = new Fakes();
    failed.onEnqueued = () => {
      failed.state = 'failed';
      failed.failedReason = 'Connection terminated unexpectedly';
    };
    await expect(failed.requests().verifyInWorker('7')).rejects.toThrow('Verification failed to run: Connection terminated unexpectedly');
    const lost = new Fakes();
    lost.onEnqueued = () => (lost.state = 'missing');
    await expect(lost.requests().verifyInWorker('7')).rejects.toThrow('The verification job was lost from the queue; try again');
  });

  it('a client that goes away: the worker is told to stop, the job is removed if idle, and the reason is thrown', async () => {
    const fakes = new Fakes();
    const client = new AbortController();
    const reason = new Error('The client went away before the answer');
    fakes.onEnqueued = () => client.abort(reason);
    await expect(fakes.requests().verifyInWorker('7', client.signal)).rejects.toBe(reason);
    expect(fakes.notified).toEqual([verificationCancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
  });
});
