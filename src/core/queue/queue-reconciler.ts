import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { JobQueues } from './job-queues.js';
import type { RecordedJob } from './job-registry.js';

/**
 * PostgreSQL is the record and Redis only the transport: rows left unfinished whose job is gone from Redis (lost,
 * flushed, or failed without its row being finished) get their job back, as the registry defines it. Runs when a
 * worker starts and every RECONCILE_INTERVAL_SECONDS. Adding is idempotent: a job id that still exists is ignored,
 * so any number of workers can do it.
 */
export abstract class QueueReconciler<D extends object> implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly queues: JobQueues,
    private readonly job: RecordedJob<D>,
    /** Ids of the rows that still need their job and are older than `seconds`, in id order (the table's repository). */
    private readonly unfinishedIds: (seconds: number) => Promise<string[]>,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns the ids whose job was put back. */
  async reconcile(): Promise<string[]> {
    const { table, dataOf } = this.job.record;
    const queue = this.queues.queueOf(this.job);
    try {
      // Younger rows may still be on their way to the queue.
      const ids = await this.unfinishedIds(this.config.reconcileIntervalMs / 2000);
      const restored: string[] = [];
      for (const id of ids) {
        const data = dataOf(id);
        const existing = await queue.getJob(this.job.jobId(data));
        const state = existing ? await existing.getState() : 'missing';
        if (state !== 'missing' && state !== 'failed' && state !== 'completed' && state !== 'unknown') continue;
        if (existing) await existing.remove();
        await this.queues.enqueue(this.job, data as never);
        restored.push(id);
      }
      if (restored.length) this.logger.warn(`Re-enqueued ${table} whose job was missing from Redis: ${restored.join(', ')}`);
      return restored;
    } catch (error) {
      this.logger.warn(`Reconciling ${table} failed: ${(error as Error).message}`);
      return [];
    }
  }
}
