import { Injectable } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const JOB_OUTCOMES = ['completed', 'retried', 'failed', 'interrupted'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/** Dump durations, seconds: the same bounds as the API's backup duration histogram. */
const DUMP_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];

/** How a job attempt ended, as BullMQ sees it from what the processor threw. */
export function jobOutcome(error: unknown, job: Pick<Job, 'attemptsMade' | 'opts'>): JobOutcome {
  if (error instanceof DelayedError) return 'interrupted';
  if (error instanceof UnrecoverableError) return 'failed';
  return job.attemptsMade + 1 < (job.opts.attempts ?? 1) ? 'retried' : 'failed';
}

/**
 * What this worker process observed, served on WORKER_METRICS_PORT: jobs by outcome, bytes written and dump
 * durations, plus the process's own metrics. Also gives every job its log context (backupId, restoreId, …).
 */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly jobs = new Counter({
    name: 'dbbackup_worker_jobs_total',
    help: 'Job attempts this worker ran, by queue and outcome (completed, retried, failed, interrupted).',
    labelNames: ['queue', 'outcome'],
    registers: [this.registry],
  });
  private readonly bytesWritten = new Counter({
    name: 'dbbackup_worker_backup_bytes_written_total',
    help: 'Bytes of backup files this worker stored, by engine.',
    labelNames: ['engine'],
    registers: [this.registry],
  });
  private readonly dumpDuration = new Histogram({
    name: 'dbbackup_worker_dump_duration_seconds',
    help: 'Time this worker took to dump and store successful backups, by engine.',
    labelNames: ['engine'],
    buckets: DUMP_BUCKETS,
    registers: [this.registry],
  });

  constructor(private readonly pino: PinoLogger) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs one job attempt with `bindings` on every log line it writes, and counts how it ended. */
  async track(job: Job, bindings: Record<string, string>, work: () => Promise<void>): Promise<void> {
    try {
      await this.pino.runInContext(work, { bindings });
      this.jobs.inc({ queue: job.queueName, outcome: 'completed' });
    } catch (error) {
      this.jobs.inc({ queue: job.queueName, outcome: jobOutcome(error, job) });
      throw error;
    }
  }

  backupStored(engine: string, bytes: number, seconds: number): void {
    this.bytesWritten.inc({ engine }, bytes);
    this.dumpDuration.observe({ engine }, seconds);
  }
}
