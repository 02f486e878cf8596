import type { FinishedListener } from '../../src/core/database/finished-listener.js';
import type { JobQueues } from '../../src/core/queue/job-queues.js';
import type { VerifyJobData } from '../../src/core/queue/job-registry.js';

/**
 * For unit specs of requests that wait on a worker's job (AwaitedJobs): PostgreSQL NOTIFY/LISTEN and the job in
 * Redis, in memory. `onEnqueued` is what the fake worker does once the job is queued.
 */
export class FakeJobWaiting {
  readonly listeners = new Map<string, () => void>();
  readonly notified: string[] = [];
  /** The jobs removed (a running one is not). */
  readonly removed: string[] = [];
  enqueued?: VerifyJobData;
  jobId?: string;
  state = 'waiting';
  value?: unknown;
  failedReason?: string;
  enqueueFails = false;
  announceFails = false;
  resultReads = 0;
  onEnqueued: (jobId: string) => void = () => undefined;

  readonly listener = {
    subscribe: (key: string, listener: () => void) => {
      this.listeners.set(key, listener);
      return () => this.listeners.delete(key);
    },
  } as unknown as FinishedListener;

  readonly queues = {
    enqueue: async (job: { name: string; jobId(data: VerifyJobData): string }, data: VerifyJobData) => {
      if (this.enqueueFails) throw new Error(`Enqueueing ${job.name} timed out after 1500 ms`);
      this.enqueued = data;
      this.jobId = job.jobId(data);
      setImmediate(() => this.onEnqueued(this.jobId!));
      return this.jobId;
    },
    resultOf: async () => {
      this.resultReads++;
      return { state: this.state, failedReason: this.failedReason, value: this.value };
    },
    stateOf: async () => ({ state: this.state, failedReason: this.failedReason }),
    // A running job is locked by its worker: BullMQ does not remove it.
    removeIfIdle: async (_job: unknown, jobId: string) => {
      if (this.state === 'active' || this.state === 'missing') return;
      this.removed.push(jobId);
      this.state = 'missing';
    },
  } as unknown as JobQueues;

  /** The API's own announcement (through a repository), heard by this process's listeners too. */
  readonly announce = async (key: string): Promise<void> => {
    if (this.announceFails) throw new Error('Connection terminated');
    this.notified.push(key);
    this.hear(key);
  };

  /** A worker's announcement of `key`. */
  hear(key: string): void {
    this.listeners.get(key)?.();
  }
}
