import { describe, expect, it } from '@jest/globals';
import type { FinishedListener } from '../core/database/finished-listener.js';
import type { JobQueues } from '../core/queue/job-queues.js';
import type { ContentsJobData } from '../core/queue/job-registry.js';
import { type ContentsJobResult, contentsCancelledKey, contentsListedKey } from './backup-contents.js';
import { QueueUnavailableError } from './backups.errors.js';
import type { BackupsRepository } from './backups.repository.js';
import { ContentsRequests } from './contents-requests.service.js';

const LISTED: ContentsJobResult = { outcome: 'listed', objects: [{ kind: 'table', schema: 'public', name: 'album', rows: 347 }] };

/** An in-memory stand-in for PostgreSQL NOTIFY/LISTEN and the list-contents job in Redis. */
class Fakes {
  readonly listeners = new Map<string, () => void>();
  readonly notified: string[] = [];
  readonly removed: string[] = [];
  enqueued?: ContentsJobData;
  jobId?: string;
  state = 'waiting';
  value?: ContentsJobResult;
  failedReason?: string;
  enqueueFails = false;
  resultReads = 0;
  onEnqueued: (jobId: string) => void = () => undefined;

  readonly listener = {
    subscribe: (key: string, listener: () => void) => {
      this.listeners.set(key, listener);
      return () => this.listeners.delete(key);
    },
  } as unknown as FinishedListener;

  readonly queues = {
    enqueue: async (job: { jobId(data: ContentsJobData): string }, data: ContentsJobData) => {
      if (this.enqueueFails) throw new Error('Enqueueing list-contents timed out after 1500 ms');
      this.enqueued = data;
      this.jobId = job.jobId(data);
      setImmediate(() => this.onEnqueued(this.jobId!));
      return this.jobId;
    },
    resultOf: async () => {
      this.resultReads++;
      return { state: this.state, failedReason: this.failedReason, value: this.value };
    },
    removeIfIdle: async (_job: unknown, jobId: string) => void this.removed.push(jobId),
  } as unknown as JobQueues;

  readonly backups = {
    announce: async (key: string) => {
      this.notified.push(key);
      this.listeners.get(key)?.();
    },
  } as unknown as BackupsRepository;

  requests(): ContentsRequests {
    return new ContentsRequests(this.queues, this.listener, this.backups);
  }
}

describe('ContentsRequests', () => {
  it('queues a job with ids only, returns its result once Redis shows it completed, and removes the job', async () => {
    const fakes = new Fakes();
    fakes.onEnqueued = (jobId) => {
      // The worker announces just before BullMQ records the job completed.
      fakes.listeners.get(contentsListedKey(jobId))?.();
      setTimeout(() => {
        fakes.state = 'completed';
        fakes.value = LISTED;
      }, 60);
    };
    await expect(fakes.requests().listInWorker('7')).resolves.toEqual(LISTED);
    expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fakes.jobId).toBe(`contents-7-${fakes.enqueued!.requestId}`);
    expect(fakes.removed).toEqual([fakes.jobId]);
    expect(fakes.listeners.size).toBe(0);
    // Polled briefly after the announcement, not spun.
    expect(fakes.resultReads).toBeLessThan(20);
  });

  it('answers QueueUnavailableError when the job cannot be queued', async () => {
    const fakes = new Fakes();
    fakes.enqueueFails = true;
    await expect(fakes.requests().listInWorker('7')).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(fakes.listeners.size).toBe(0);
  });

  it('fails when the job failed or was lost', async () => {
    const failed = new Fakes();
    failed.onEnqueued = () => {
      failed.state = 'failed';
      failed.failedReason = 'Connection terminated unexpectedly';
    };
    await expect(failed.requests().listInWorker('7')).rejects.toThrow('Listing the contents failed to run: Connection terminated unexpectedly');
    const lost = new Fakes();
    lost.onEnqueued = () => (lost.state = 'missing');
    await expect(lost.requests().listInWorker('7')).rejects.toThrow('The contents listing job was lost from the queue; try again');
  });

  it('a client that goes away: the worker is told to stop, the job is removed if idle, and the reason is thrown', async () => {
    const fakes = new Fakes();
    const client = new AbortController();
    const reason = new Error('The client went away before the answer');
    fakes.onEnqueued = () => client.abort(reason);
    await expect(fakes.requests().listInWorker('7', client.signal)).rejects.toBe(reason);
    expect(fakes.notified).toEqual([contentsCancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
  });
});
