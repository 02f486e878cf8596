import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FinishedListener } from '../core/database/finished-listener.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs, type VerifyJobData } from '../core/queue/job-registry.js';
import { verificationCancelledKey, verificationDoneKey, VERIFY_TIMEOUT_MS } from './backup-verification.js';
import { QueueUnavailableError } from './backups.errors.js';
import { BackupsRepository } from './backups.repository.js';

/** How often a waiting request also asks Redis about its job, in case the announcement was missed. */
const POLL_MS = 1_000;
/** A verify job may wait behind running backups before a worker takes it. */
const WAIT_LIMIT_MS = VERIFY_TIMEOUT_MS + 10 * 60 * 1000;

/** Resolves when `signal` aborts; never without one. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * API side of POST /backups/:id/verify: the API never runs the restore tool itself. It queues a verify job (ids
 * only) and waits until the worker has recorded the verdict in PostgreSQL and announced it (or Redis shows the job
 * finished). If the client goes away, the job is removed if it still waits, or stopped by its worker.
 */
@Injectable()
export class VerifyRequests {
  private readonly logger = new Logger(VerifyRequests.name);

  constructor(
    private readonly queues: JobQueues,
    private readonly listener: FinishedListener,
    private readonly backups: BackupsRepository,
  ) {}

  /** Resolves once the worker has recorded its verdict on the backup; rejects with `clientGone.reason` if the client goes. */
  async verifyInWorker(backupId: string, clientGone?: AbortSignal): Promise<void> {
    const data: VerifyJobData = { backupId, requestId: randomUUID() };
    const jobId = Jobs.verifyBackup.jobId!(data);
    let announced = false;
    let unsubscribe: () => void = () => undefined;
    // Subscribed before the job exists: its announcement cannot come too early.
    const announcement = new Promise<void>((resolve) => {
      unsubscribe = this.listener.subscribe(verificationDoneKey(jobId), () => {
        announced = true;
        resolve();
      });
    });
    const gone = untilAborted(clientGone);
    try {
      await this.queues.enqueue(Jobs.verifyBackup, data).catch((error: Error) => {
        this.logger.warn(`Could not enqueue the verification of backup ${backupId}: ${error.message}`);
        throw new QueueUnavailableError();
      });
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (!announced) {
        await Promise.race([announcement, gone, sleep(POLL_MS, undefined, { ref: false })]);
        if (clientGone?.aborted) {
          await this.cancel(jobId);
          throw clientGone.reason;
        }
        if (announced || (await this.finishedInRedis(jobId))) return;
        if (Date.now() > deadline) {
          await this.cancel(jobId);
          throw new Error(`The verification of backup ${backupId} did not finish in time`);
        }
      }
    } finally {
      unsubscribe();
    }
  }

  /** Whether Redis shows the job finished; throws if it failed or was lost. */
  private async finishedInRedis(jobId: string): Promise<boolean> {
    const { state, failedReason } = await this.queues.stateOf(Jobs.verifyBackup, jobId).catch(() => ({ state: 'unreadable', failedReason: undefined }));
    if (state === 'completed') return true;
    if (state === 'failed') throw new Error(`Verification failed to run: ${failedReason ?? 'unknown reason'}`);
    if (state === 'missing') throw new Error('The verification job was lost from the queue; try again');
    return false;
  }

  /** Stops the job: removed if still waiting, and its worker told to stop it if running. */
  private async cancel(jobId: string): Promise<void> {
    await this.backups.announce(verificationCancelledKey(jobId)).catch((error: Error) =>
      this.logger.warn(`Could not cancel verify job ${jobId}: ${error.message}`),
    );
    await this.queues.removeIfIdle(Jobs.verifyBackup, jobId);
  }
}
