import { describe, expect, it } from '@jest/globals';
import { FakeJobWaiting } from '../../test/support/fake-job-waiting.js';
import { verificationCancelledKey, verificationDoneKey } from './backup-verification.js';
import { QueueUnavailableError } from './backups.errors.js';
import type { BackupsRepository } from './backups.repository.js';
import { VerifyRequests } from './verify-requests.service.js';

/** The waiting itself is AwaitedJobs' (see its spec): here, that VerifyRequests waits on a verify job, in its words. */
function requestsOf(fakes: FakeJobWaiting): VerifyRequests {
  return new VerifyRequests(fakes.queues, fakes.listener, { announce: fakes.announce } as unknown as BackupsRepository);
}

describe('VerifyRequests', () => {
  it('queues a verify job and returns once the worker announces the recorded verdict', async () => {
    const fakes = new FakeJobWaiting();
    fakes.onEnqueued = (jobId) => fakes.hear(verificationDoneKey(jobId));
    await requestsOf(fakes).verifyInWorker('7');
    expect(fakes.enqueued).toEqual({ backupId: '7', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fakes.jobId).toBe(`verify-7-${fakes.enqueued!.requestId}`);
    expect(fakes.listeners.size).toBe(0);
  });

  it('answers QueueUnavailableError when the job cannot be queued', async () => {
    const fakes = new FakeJobWaiting();
    fakes.enqueueFails = true;
    await expect(requestsOf(fakes).verifyInWorker('7')).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  it('names the verification when the job failed or was lost', async () => {
    const failed = new FakeJobWaiting();
    failed.onEnqueued = () => {
      failed.state = 'failed';
      failed.failedReason = 'Connection terminated unexpectedly';
    };
    await expect(requestsOf(failed).verifyInWorker('7')).rejects.toThrow('Verification failed to run: Connection terminated unexpectedly');
    const lost = new FakeJobWaiting();
    lost.onEnqueued = () => (lost.state = 'missing');
    await expect(requestsOf(lost).verifyInWorker('7')).rejects.toThrow('The verification job was lost from the queue; try again');
  });

  it('a client that goes away: the worker is told to stop the verification, and the reason is thrown', async () => {
    const fakes = new FakeJobWaiting();
    const client = new AbortController();
    const reason = new Error('The client went away before the answer');
    fakes.onEnqueued = () => client.abort(reason);
    await expect(requestsOf(fakes).verifyInWorker('7', client.signal)).rejects.toBe(reason);
    expect(fakes.notified).toEqual([verificationCancelledKey(fakes.jobId!)]);
    expect(fakes.removed).toEqual([fakes.jobId]);
  });
});
