import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FinishedListener } from '../database/finished-listener.js';
import type { JobQueues } from './job-queues.js';
import type { JobDefinition, VerifyJobData } from './job-registry.js';

/** How often a waiting request also asks Redis about its job, in case the announcement was missed. */
const POLL_MS = 1_000;
/**
 * A worker that returns a result announces it just before BullMQ records the job completed (the result is the
 * job's return value): after the announcement, Redis is asked this often until it shows the job finished.
 */
const AFTER_ANNOUNCEMENT_POLL_MS = 25;

/** The data of a job a request waits on: the backup's id, and the request's own (the job is the request's). */
type AwaitedJobData = VerifyJobData;

/** One kind of job an API request queues and waits on: the job, how it is announced and cancelled, its words. */
export interface AwaitedJobKind {
  readonly job: JobDefinition<AwaitedJobData>;
  /** Announced by the worker once the job `jobId` is done. */
  doneKey(jobId: string): string;
  /** Announced to the worker running the job `jobId` when its client went away: it stops the job. */
  cancelledKey(jobId: string): string;
  /** How long a request waits, its job queued then running, before it cancels it and fails. */
  readonly waitLimitMs: number;
  /** Announces a key (PostgreSQL NOTIFY), through the room's repository. */
  announce(key: string): Promise<void>;
  /** Thrown when the job cannot be queued (Redis does not answer in time). */
  unavailable(): Error;
  readonly texts: AwaitedJobTexts;
}

/** What the logs and errors of one kind of awaited job say. */
export interface AwaitedJobTexts {
  /** Logged with the reason when queueing fails, e.g. "Could not enqueue the verification of backup 7". */
  notQueued(backupId: string): string;
  /** Logged with the job id and the reason when cancelling fails, e.g. "Could not cancel verify job". */
  readonly notCancelled: string;
  /** Begins the error of a job that failed, before its reason, e.g. "Verification failed to run". */
  readonly failed: string;
  /** The error of a job Redis lost. */
  readonly lost: string;
  /** The error of a job that did not finish within the wait limit. */
  timedOut(backupId: string): string;
}

/** What the request learnt on one look: done (with the job's return value, if it waits for one), or not yet. */
type Look = { done: true; value?: unknown } | { done: false };

const NOT_YET: Look = { done: false };

/** Resolves when `signal` aborts; never without one. */
function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * The API side of a job a request waits on (the API never starts a tool): queues the job (ids only), waits until
 * its worker announces it done (PostgreSQL NOTIFY), asking Redis now and then in case the announcement was missed,
 * and stops it if the client goes away: removed if it still waits, or its worker told to stop it.
 */
export class AwaitedJobs {
  constructor(
    private readonly queues: JobQueues,
    private readonly listener: FinishedListener,
    private readonly logger: Logger,
    private readonly kind: AwaitedJobKind,
  ) {}

  /**
   * For a worker that records its outcome in PostgreSQL: resolves once it announces it, or Redis shows the job
   * completed. Rejects with `clientGone.reason` if the client goes.
   */
  async untilAnnounced(backupId: string, clientGone?: AbortSignal): Promise<void> {
    await this.run(backupId, clientGone, async (announced, jobId) => (announced || (await this.completedInRedis(jobId)) ? { done: true } : NOT_YET));
  }

  /**
   * For a worker whose outcome is the job's return value: resolves with it once Redis shows the job completed (the
   * announcement only hastens the look), and removes the job. Rejects with `clientGone.reason` if the client goes.
   */
  async resultOf(backupId: string, clientGone?: AbortSignal): Promise<unknown> {
    return this.run(backupId, clientGone, async (_announced, jobId) => {
      const look = await this.resultInRedis(jobId);
      // The job and its state are two reads: a job read just before it completed has no value yet.
      if (!look.done || look.value == null) return NOT_YET;
      await this.queues.removeIfIdle(this.kind.job, jobId);
      return look;
    });
  }

  private async run(backupId: string, clientGone: AbortSignal | undefined, look: (announced: boolean, jobId: string) => Promise<Look>): Promise<unknown> {
    const data: AwaitedJobData = { backupId, requestId: randomUUID() };
    const jobId = this.kind.job.jobId!(data);
    let announced = false;
    let unsubscribe: () => void = () => undefined;
    // Subscribed before the job exists: its announcement cannot come too early.
    const announcement = new Promise<void>((resolve) => {
      unsubscribe = this.listener.subscribe(this.kind.doneKey(jobId), () => {
        announced = true;
        resolve();
      });
    });
    const gone = untilAborted(clientGone);
    try {
      await this.enqueue(backupId, data);
      const deadline = Date.now() + this.kind.waitLimitMs;
      for (;;) {
        const wake = announced ? sleep(AFTER_ANNOUNCEMENT_POLL_MS, undefined, { ref: false }) : announcement;
        await Promise.race([wake, gone, sleep(POLL_MS, undefined, { ref: false })]);
        if (clientGone?.aborted) {
          await this.cancel(jobId);
          throw clientGone.reason;
        }
        const found = await look(announced, jobId);
        if (found.done) return found.value;
        if (Date.now() > deadline) {
          await this.cancel(jobId);
          throw new Error(this.kind.texts.timedOut(backupId));
        }
      }
    } finally {
      unsubscribe();
    }
  }

  private async enqueue(backupId: string, data: AwaitedJobData): Promise<void> {
    await this.queues.enqueue(this.kind.job, data).catch((error: Error) => {
      this.logger.warn(`${this.kind.texts.notQueued(backupId)}: ${error.message}`);
      throw this.kind.unavailable();
    });
  }

  private async completedInRedis(jobId: string): Promise<boolean> {
    return (await this.resultInRedis(jobId)).done;
  }

  /** Done with the job's return value once it completed, not yet while it has not; throws if it failed or was lost. */
  private async resultInRedis(jobId: string): Promise<Look> {
    const { state, failedReason, value } = await this.queues
      .resultOf(this.kind.job, jobId)
      .catch(() => ({ state: 'unreadable', failedReason: undefined, value: undefined }));
    if (state === 'completed') return { done: true, value };
    if (state === 'failed') throw new Error(`${this.kind.texts.failed}: ${failedReason ?? 'unknown reason'}`);
    if (state === 'missing') throw new Error(this.kind.texts.lost);
    return NOT_YET;
  }

  /**
   * Stops the job: removed if still waiting, and its worker told to stop it if running. An announcement is not
   * kept: a worker that took the job just as the client went away may listen for it only after it was made, and
   * its job, locked, cannot be removed. So, in the background, until the job is gone: the announcement is repeated
   * while the job runs, and the job removed once it is idle again (stopped, or handed back on a worker's shutdown).
   */
  private async cancel(jobId: string): Promise<void> {
    await this.tellWorkerToStop(jobId);
    await this.queues.removeIfIdle(this.kind.job, jobId);
    void this.untilGone(jobId).catch((error: Error) => this.logger.warn(`${this.kind.texts.notCancelled} ${jobId}: ${error.message}`));
  }

  /** Until the job is no longer in Redis, or for the wait limit at most. */
  private async untilGone(jobId: string): Promise<void> {
    const deadline = Date.now() + this.kind.waitLimitMs;
    for (;;) {
      const { state } = await this.queues.stateOf(this.kind.job, jobId).catch(() => ({ state: 'unreadable' }));
      if (state === 'missing' || Date.now() > deadline) return;
      if (state === 'active') await this.tellWorkerToStop(jobId);
      else await this.queues.removeIfIdle(this.kind.job, jobId);
      await sleep(POLL_MS, undefined, { ref: false });
    }
  }

  private async tellWorkerToStop(jobId: string): Promise<void> {
    await this.kind
      .announce(this.kind.cancelledKey(jobId))
      .catch((error: Error) => this.logger.warn(`${this.kind.texts.notCancelled} ${jobId}: ${error.message}`));
  }
}
