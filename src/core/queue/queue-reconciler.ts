import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';


export interface ReconciledTable {
  /** Table whose rows are the record: `backups`, `restores` or `webhook_deliveries`. */
  table: 'backups' | 'restores' | 'webhook_deliveries';
  /** SQL condition selecting the rows that still need their job; default: queued or running. */
  unfinished?: string;
  /** Column telling when the row was created; default `requested_at`. */
  createdColumn?: string;
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
    private readonly dataSource: DataSource,
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
    const { unfinished = `status IN ('queued', 'running')`, createdColumn = 'requested_at' } = this.target;
    try {
      const rows: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id::text AS id FROM ${table}
         WHERE ${unfinished} AND ${createdColumn} < now() - make_interval(secs => $1) ORDER BY id`,
        // Younger rows may still be on their way to the queue.
        [this.config.reconcileIntervalMs / 2000],
      );
      const restored: string[] = [];
      for (const { id } of rows) {
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
