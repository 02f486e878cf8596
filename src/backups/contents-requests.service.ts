import { Injectable, Logger } from '@nestjs/common';
import { FinishedListener } from '../core/database/finished-listener.js';
import { AwaitedJobs } from '../core/queue/awaited-jobs.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { CONTENTS_TIMEOUT_MS, type ContentsJobResult, contentsCancelledKey, contentsListedKey } from './backup-contents.js';
import { QueueUnavailableError } from './backups.errors.js';
import { BackupsRepository } from './backups.repository.js';

/** A list-contents job may wait behind running backups before a worker takes it. */
const WAIT_LIMIT_MS = CONTENTS_TIMEOUT_MS + 10 * 60 * 1000;

/**
 * API side of GET /backups/:id/contents, built like VerifyRequests: the API never starts a tool. It queues a
 * list-contents job (ids only) and waits until the worker announces it done (or Redis shows it finished), reads
 * the list from the job's return value and removes the job. If the client goes away, the job is removed if it
 * still waits, or stopped by its worker.
 */
@Injectable()
export class ContentsRequests {
  private readonly logger = new Logger(ContentsRequests.name);
  private readonly jobs: AwaitedJobs;

  constructor(queues: JobQueues, listener: FinishedListener, backups: BackupsRepository) {
    this.jobs = new AwaitedJobs(queues, listener, this.logger, {
      job: Jobs.listContents,
      doneKey: contentsListedKey,
      cancelledKey: contentsCancelledKey,
      waitLimitMs: WAIT_LIMIT_MS,
      announce: (key) => backups.announce(key),
      unavailable: () => new QueueUnavailableError(),
      texts: {
        notQueued: (backupId) => `Could not enqueue the contents listing of backup ${backupId}`,
        notCancelled: 'Could not cancel list-contents job',
        failed: 'Listing the contents failed to run',
        lost: 'The contents listing job was lost from the queue; try again',
        timedOut: (backupId) => `Listing the contents of backup ${backupId} did not finish in time`,
      },
    });
  }

  /** The worker's result; rejects with `clientGone.reason` if the client goes. */
  async listInWorker(backupId: string, clientGone?: AbortSignal): Promise<ContentsJobResult> {
    return (await this.jobs.resultOf(backupId, clientGone)) as ContentsJobResult;
  }
}
