import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';

export interface ReconciledTable {
  /** Table whose rows are the record (`backups`, `restores`, `webhook_deliveries`), as the log names it. */
  table: string;
  /** Ids of the rows that still need their job and are older than `seconds`, in id order: the table's repository. */
  unfinishedIds: (seconds: number) => Promise<string[]>;
  queue: Queue;
  jobName: string;
  jobId: (id: string) => string;
  data: (id: string) => object;
  options: JobsOptions;
}

/**
 * PostgreSQL is the record and Redis only the transport: rows left `queued` or `running` whose job is gone from
 * Redis (lost, flushed, or failed without its row being finished) get their job back. Runs when a worker starts and
 * every RECONCILE_INTERVAL_SECONDS. Adding is idempotent: a job id that still exists is ignored, so any number of workers can do it.
 */
export abstract class QueueReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly target: ReconciledTable,
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
    const { table, queue, jobName, jobId, data, options } = this.target;
    try {
      // Younger rows may still be on their way to the queue.
      const ids = await this.target.unfinishedIds(this.config.reconcileIntervalMs / 2000);
      const restored: string[] = [];
      for (const id of ids) {
        const job = await queue.getJob(jobId(id));
        const state = job ? await job.getState() : 'missing';
        if (state !== 'missing' && state !== 'failed' && state !== 'completed' && state !== 'unknown') continue;
        if (job) await job.remove();
        await queue.add(jobName as never, data(id) as never, { ...options, jobId: jobId(id) });
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
