import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FinishedListener } from '../core/database/finished-listener.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { type ContentsJobData, Jobs } from '../core/queue/job-registry.js';
import { CONTENTS_TIMEOUT_MS, type ContentsJobResult, contentsCancelledKey, contentsListedKey } from './backup-contents.js';
import { QueueUnavailableError } from './backups.errors.js';
import { BackupsRepository } from './backups.repository.js';

/** How often a waiting request also asks Redis about its job, in case the announcement was missed. */
const POLL_MS = 1_000;
/**
 * The worker announces its result just before BullMQ records the job completed (the result is the job's return
 * value): after the announcement, Redis is asked this often until it shows the job finished.
 */
const AFTER_ANNOUNCEMENT_POLL_MS = 25;
/** A list-contents job may wait behind running backups before a worker takes it. */
const WAIT_LIMIT_MS = CONTENTS_TIMEOUT_MS + 10 * 60 * 1000;

/** Resolves when `signal` aborts; never without one. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * API side of GET /backups/:id/contents, built like VerifyRequests: the API never starts a tool. It queues a
 * list-contents job (ids only) and waits until the worker announces it done (or Redis shows it finished), reads
 * the list from the job's return value and removes the job. If the client goes away, the job is removed if it
 * still waits, or stopped by its worker.
 */
@Injectable()
export class ContentsRequests {
  private readonly logger = new Logger(ContentsRequests.name);

  constructor(
    private readonly queues: JobQueues,
    private readonly listener: FinishedListener,
    private readonly backups: BackupsRepository,
  ) {}

  /** The worker's result; rejects with `clientGone.reason` if the client goes. */
  async listInWorker(backupId: string, clientGone?: AbortSignal): Promise<ContentsJobResult> {
    const data: ContentsJobData = { backupId, requestId: randomUUID() };
    const jobId = Jobs.listContents.jobId!(data);
    let announced = false;
    let unsubscribe: () => void = () => undefined;
    // Subscribed before the job exists: its announcement cannot come too early.
    const announcement = new Promise<void>((resolve) => {
      unsubscribe = this.listener.subscribe(contentsListedKey(jobId), () => {
        announced = true;
        resolve();
      });
    });
    const gone = untilAborted(clientGone);
    try {
      await this.queues.enqueue(Jobs.listContents, data).catch((error: Error) => {
        this.logger.warn(`Could not enqueue the contents listing of backup ${backupId}: ${error.message}`);
        throw new QueueUnavailableError();
      });
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const wake = announced ? sleep(AFTER_ANNOUNCEMENT_POLL_MS, undefined, { ref: false }) : announcement;
        await Promise.race([wake, gone, sleep(POLL_MS, undefined, { ref: false })]);
        if (clientGone?.aborted) {
          await this.cancel(jobId);
          throw clientGone.reason;
        }
        const result = await this.resultInRedis(jobId);
        if (result) {
          await this.queues.removeIfIdle(Jobs.listContents, jobId);
          return result;
        }
        if (Date.now() > deadline) {
          await this.cancel(jobId);
          throw new Error(`Listing the contents of backup ${backupId} did not finish in time`);
        }
      }
    } finally {
      unsubscribe();
    }
  }

  /** The job's result once it completed, null while it has not; throws if it failed or was lost. */
  private async resultInRedis(jobId: string): Promise<ContentsJobResult | null> {
    const { state, failedReason, value } = await this.queues
      .resultOf(Jobs.listContents, jobId)
      .catch(() => ({ state: 'unreadable', failedReason: undefined, value: undefined }));
    if (state === 'completed') return value as ContentsJobResult;
    if (state === 'failed') throw new Error(`Listing the contents failed to run: ${failedReason ?? 'unknown reason'}`);
    if (state === 'missing') throw new Error('The contents listing job was lost from the queue; try again');
    return null;
  }

  /** Stops the job: removed if still waiting, and its worker told to stop it if running. */
  private async cancel(jobId: string): Promise<void> {
    await this.backups.announce(contentsCancelledKey(jobId)).catch((error: Error) =>
      this.logger.warn(`Could not cancel list-contents job ${jobId}: ${error.message}`),
    );
    await this.queues.removeIfIdle(Jobs.listContents, jobId);
  }
}
