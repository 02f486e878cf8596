import { Injectable, Logger } from '@nestjs/common';
import { FinishedListener } from '../core/database/finished-listener.js';
import { AwaitedJobs } from '../core/queue/awaited-jobs.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { verificationCancelledKey, verificationDoneKey, VERIFY_TIMEOUT_MS } from './backup-verification.js';
import { QueueUnavailableError } from './backups.errors.js';
import { BackupsRepository } from './backups.repository.js';

/** A verify job may wait behind running backups before a worker takes it. */
const WAIT_LIMIT_MS = VERIFY_TIMEOUT_MS + 10 * 60 * 1000;

/**
 * API side of POST /backups/:id/verify: the API never runs the restore tool itself. It queues a verify job (ids
 * only) and waits until the worker has recorded the verdict in PostgreSQL and announced it (or Redis shows the job
 * finished). If the client goes away, the job is removed if it still waits, or stopped by its worker.
 */
@Injectable()
export class VerifyRequests {
  private readonly logger = new Logger(VerifyRequests.name);
  private readonly jobs: AwaitedJobs;

  constructor(queues: JobQueues, listener: FinishedListener, backups: BackupsRepository) {
    this.jobs = new AwaitedJobs(queues, listener, this.logger, {
      job: Jobs.verifyBackup,
      doneKey: verificationDoneKey,
      cancelledKey: verificationCancelledKey,
      waitLimitMs: WAIT_LIMIT_MS,
      announce: (key) => backups.announce(key),
      unavailable: () => new QueueUnavailableError(),
      texts: {
        notQueued: (backupId) => `Could not enqueue the verification of backup ${backupId}`,
        notCancelled: 'Could not cancel verify job',
        failed: 'Verification failed to run',
        lost: 'The verification job was lost from the queue; try again',
        timedOut: (backupId) => `The verification of backup ${backupId} did not finish in time`,
      },
    });
  }

  /** Resolves once the worker has recorded its verdict on the backup; rejects with `clientGone.reason` if the client goes. */
  verifyInWorker(backupId: string, clientGone?: AbortSignal): Promise<void> {
    return this.jobs.untilAnnounced(backupId, clientGone);
  }
}
