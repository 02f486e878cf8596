import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { FakeJobWaiting } from '../../../test/support/fake-job-waiting.js';
import { AwaitedJobs, type AwaitedJobKind } from './awaited-jobs.js';
import { Jobs } from './job-registry.js';

const doneKey = (jobId: string) => `done:${jobId}`;
const cancelledKey = (jobId: string) => `cancelled:${jobId}`;

class NotQueuedError extends Error {}

/** A logger that keeps its warnings. */
class KeptLogger extends Logger {
  readonly warnings: string[] = [];

  override warn(message: string): void {
    this.warnings.push(message);
  }
}

function jobsOf(fakes: FakeJobWaiting, overrides: Partial<AwaitedJobKind> = {}): { jobs: AwaitedJobs; logger: KeptLogger } {
  const logger = new KeptLogger();
  const kind: AwaitedJobKind = {
    job: Jobs.verifyBackup,
    doneKey,
    cancelledKey,
    waitLimitMs: 60_000,
    announce: fakes.announce,
    unavailable: () => new NotQueuedError('queue unavailable'),
    texts: {
      notQueued: (backupId) => `Could not enqueue the check of backup ${backupId}`,
      notCancelled: 'Could not cancel check job',
      failed: 'The check failed to run',
      lost: 'The check job was lost',
      timedOut: (backupId) => `The check of backup ${backupId} did not finish in time`,
    },
    ...overrides,
  };
  return { jobs: new AwaitedJobs(fakes.queues, fakes.listener, logger, kind), logger };
}

/** Resolves once `condition` holds, or after `ms` (the assertions that follow then say what did not happen). */
async function until(condition: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('AwaitedJobs', () => {
  describe('untilAnnounced', () => {
    it('queues a job with ids only and returns once the worker announces it done', async () => {
      const fakes = new FakeJobWaiting();
      fakes.onEnqueued = (jobId) => fakes.hear(doneKey(jobId));
      await expect(jobsOf(fakes).jobs.untilAnnounced('7')).resolves.toBeUndefined();
      expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(fakes.jobId).toBe(`verify-7-${fakes.enqueued!.requestId}`);
      expect(fakes.listeners.size).toBe(0);
      expect(fakes.removed).toEqual([]);
    });

    it('also returns when Redis shows the job completed (an announcement missed)', async () => {
      const fakes = new FakeJobWaiting();
      fakes.onEnqueued = () => (fakes.state = 'completed');
      await expect(jobsOf(fakes).jobs.untilAnnounced('7')).resolves.toBeUndefined();
      expect(fakes.resultReads).toBe(1);
      expect(fakes.listeners.size).toBe(0);
    });
  });

  describe('resultOf', () => {
    it("returns the job's value once Redis shows it completed after the announcement, and removes the job", async () => {
      const fakes = new FakeJobWaiting();
      fakes.onEnqueued = (jobId) => {
        // The worker announces just before BullMQ records the job completed.
        fakes.hear(doneKey(jobId));
        setTimeout(() => {
          fakes.state = 'completed';
          fakes.value = { outcome: 'listed', objects: [] };
        }, 60);
      };
      await expect(jobsOf(fakes).jobs.resultOf('7')).resolves.toEqual({ outcome: 'listed', objects: [] });
      expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(fakes.removed).toEqual([fakes.jobId]);
      expect(fakes.listeners.size).toBe(0);
      // Polled briefly after the announcement, not spun.
      expect(fakes.resultReads).toBeGreaterThan(1);
      expect(fakes.resultReads).toBeLessThan(20);
    });

    it('reads again when Redis shows the job completed before its value was read', async () => {
      const fakes = new FakeJobWaiting();
      fakes.onEnqueued = (jobId) => {
        fakes.state = 'completed';
        fakes.hear(doneKey(jobId));
        setTimeout(() => (fakes.value = { outcome: 'listed', objects: [] }), 60);
      };
      await expect(jobsOf(fakes).jobs.resultOf('7')).resolves.toEqual({ outcome: 'listed', objects: [] });
      expect(fakes.resultReads).toBeGreaterThan(1);
      expect(fakes.removed).toEqual([fakes.jobId]);
    });
  });

  it("throws the kind's error and logs why when the job cannot be queued", async () => {
    const fakes = new FakeJobWaiting();
    fakes.enqueueFails = true;
    const { jobs, logger } = jobsOf(fakes);
    await expect(jobs.untilAnnounced('7')).rejects.toBeInstanceOf(NotQueuedError);
    await expect(jobs.resultOf('7')).rejects.toBeInstanceOf(NotQueuedError);
    expect(logger.warnings).toEqual([
      'Could not enqueue the check of backup 7: Enqueueing verify-backup timed out after 1500 ms',
      'Could not enqueue the check of backup 7: Enqueueing verify-backup timed out after 1500 ms',
    ]);
    expect(fakes.listeners.size).toBe(0);
  });

  it.each(['untilAnnounced', 'resultOf'] as const)('%s fails when the job failed or was lost', async (wait) => {
    const failed = new FakeJobWaiting();
    failed.onEnqueued = () => {
      failed.state = 'failed';
      failed.failedReason = 'Connection terminated unexpectedly';
    };
    await expect(jobsOf(failed).jobs[wait]('7')).rejects.toThrow(new Error('The check failed to run: Connection terminated unexpectedly'));
    const unexplained = new FakeJobWaiting();
    unexplained.onEnqueued = () => (unexplained.state = 'failed');
    await expect(jobsOf(unexplained).jobs[wait]('7')).rejects.toThrow(new Error('The check failed to run: unknown reason'));
    const lost = new FakeJobWaiting();
    lost.onEnqueued = () => (lost.state = 'missing');
    await expect(jobsOf(lost).jobs[wait]('7')).rejects.toThrow(new Error('The check job was lost'));
    expect([failed, unexplained, lost].map((fakes) => fakes.listeners.size)).toEqual([0, 0, 0]);
  });

  it.each(['untilAnnounced', 'resultOf'] as const)(
    '%s: a client that goes away: the worker is told to stop, the job is removed if idle, and the reason is thrown',
    async (wait) => {
      const fakes = new FakeJobWaiting();
      const client = new AbortController();
      const reason = new Error('The client went away before the answer');
      fakes.onEnqueued = () => client.abort(reason);
      await expect(jobsOf(fakes).jobs[wait]('7', client.signal)).rejects.toBe(reason);
      expect(fakes.notified).toEqual([cancelledKey(fakes.jobId!)]);
      expect(fakes.removed).toEqual([fakes.jobId]);
      expect(fakes.listeners.size).toBe(0);
    },
  );

  it('a worker that took the job just as the client went away, and listened after the announcement, is told again and its job removed once stopped', async () => {
    const fakes = new FakeJobWaiting();
    const client = new AbortController();
    const reason = new Error('The client went away before the answer');
    fakes.onEnqueued = () => {
      // The worker takes the job (now locked: it cannot be removed) as the client goes away.
      fakes.state = 'active';
      client.abort(reason);
    };
    // The worker's own listener, subscribed only once the API's first announcement is past (a NOTIFY is not kept).
    const workerHeard: string[] = [];
    let workerListens = false;
    const announce = async (key: string) => {
      await fakes.announce(key);
      if (workerListens) {
        workerHeard.push(key);
        // It stops the job, which BullMQ then records completed.
        fakes.state = 'completed';
      }
      workerListens = true;
    };
    await expect(jobsOf(fakes, { announce }).jobs.untilAnnounced('7', client.signal)).rejects.toBe(reason);
    await until(() => fakes.state === 'missing');
    expect(workerHeard).toEqual([cancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
    expect(fakes.listeners.size).toBe(0);
  });

  it('a client that goes away just as the job completed: the job is removed, the announcement reaches no one, nothing is repeated', async () => {
    const fakes = new FakeJobWaiting();
    const client = new AbortController();
    fakes.onEnqueued = () => {
      fakes.state = 'completed';
      fakes.value = { outcome: 'listed', objects: [] };
      client.abort(new Error('gone'));
    };
    await expect(jobsOf(fakes).jobs.resultOf('7', client.signal)).rejects.toThrow('gone');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fakes.notified).toEqual([cancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
  });

  it('still removes the job, and logs why, when telling the worker to stop fails', async () => {
    const fakes = new FakeJobWaiting();
    fakes.announceFails = true;
    const client = new AbortController();
    client.abort(new Error('gone'));
    const { jobs, logger } = jobsOf(fakes);
    await expect(jobs.untilAnnounced('7', client.signal)).rejects.toThrow('gone');
    expect(fakes.removed).toEqual([fakes.jobId]);
    expect(logger.warnings).toEqual([`Could not cancel check job ${fakes.jobId}: Connection terminated`]);
  });

  it('cancels the job and fails once the wait limit is past', async () => {
    const fakes = new FakeJobWaiting();
    const { jobs } = jobsOf(fakes, { waitLimitMs: 0 });
    await expect(jobs.untilAnnounced('7')).rejects.toThrow(new Error('The check of backup 7 did not finish in time'));
    expect(fakes.notified).toEqual([cancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
    expect(fakes.listeners.size).toBe(0);
  });
});
