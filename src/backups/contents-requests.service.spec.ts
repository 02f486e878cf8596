import { describe, expect, it } from '@jest/globals';
import { FakeJobWaiting } from '../../test/support/fake-job-waiting.js';
import { type ContentsJobResult, contentsCancelledKey, contentsListedKey } from './backup-contents.js';
import { QueueUnavailableError } from './backups.errors.js';
import type { BackupsRepository } from './backups.repository.js';
import { ContentsRequests } from './contents-requests.service.js';

const LISTED: ContentsJobResult = { outcome: 'listed', objects: [{ kind: 'table', schema: 'public', name: 'album', rows: 347 }] };

/** The waiting itself is AwaitedJobs' (see its spec): here, that ContentsRequests waits on a list-contents job, in its words. */
function requestsOf(fakes: FakeJobWaiting): ContentsRequests {
  return new ContentsRequests(fakes.queues, fakes.listener, { announce: fakes.announce } as unknown as BackupsRepository);
}

describe('ContentsRequests', () => {
  it("queues a list-contents job, returns its result once Redis shows it completed, and removes the job", async () => {
    const fakes = new FakeJobWaiting();
    fakes.onEnqueued = (jobId) => {
      fakes.hear(contentsListedKey(jobId));
      setTimeout(() => {
        fakes.state = 'completed';
        fakes.value = LISTED;
      }, 60);
    };
    await expect(requestsOf(fakes).listInWorker('7')).resolves.toEqual(LISTED);
    expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fakes.jobId).toBe(`contents-7-${fakes.enqueued!.requestId}`);
    expect(fakes.removed).toEqual([fakes.jobId]);
    expect(fakes.listeners.size).toBe(0);
    expect(fakes.resultReads).toBeLessThan(20);
  });

  it('answers QueueUnavailableError when the job cannot be queued', async () => {
    const fakes = new FakeJobWaiting();
    fakes.enqueueFails = true;
    await expect(requestsOf(fakes).listInWorker('7')).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  it('names the listing when the job failed or was lost', async () => {
    const failed = new FakeJobWaiting();
    failed.onEnqueued = () => {
      failed.state = 'failed';
      failed.failedReason = 'Connection terminated unexpectedly';
    };
    await expect(requestsOf(failed).listInWorker('7')).rejects.toThrow('Listing the contents failed to run: Connection terminated unexpectedly');
    const lost = new FakeJobWaiting();
    lost.onEnqueued = () => (lost.state = 'missing');
    await expect(requestsOf(lost).listInWorker('7')).rejects.toThrow('The contents listing job was lost from the queue; try again');
  });

  it('a client that goes away: the worker is told to stop the listing, and the reason is thrown', async () => {
    const fakes = new FakeJobWaiting();
    const client = new AbortController();
    const reason = new Error('The client went away before the answer');
    fakes.onEnqueued = () => client.abort(reason);
    await expect(requestsOf(fakes).listInWorker('7', client.signal)).rejects.toBe(reason);
    expect(fakes.notified).toEqual([contentsCancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
  });
});
