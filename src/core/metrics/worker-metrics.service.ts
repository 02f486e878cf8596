import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { jobOutcome } from '../queue/job-attempts.js';
import { DURATION_BUCKETS } from './duration-buckets.js';
import type { JobTracker } from '../queue/job-host.js';


/**
 * What this worker process observed, served on WORKER_METRICS_PORT: jobs by outcome, bytes written and dump
 * durations, plus the process's own metrics. Also gives every job its log context (backupId, restoreId, …).
 */
@Injectable()
export class WorkerMetrics implements JobTracker {
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
    buckets: [...DURATION_BUCKETS],
    registers: [this.registry],
  });

  constructor(private readonly pino: PinoLogger) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs one job attempt with `bindings` on every log line it writes, and counts how it ended if `counted`. */
  async track(job: Job, bindings: Record<string, string>, work: () => Promise<void>, counted: boolean): Promise<void> {
    try {
      await this.pino.runInContext(work, { bindings });
      if (counted) this.jobs.inc({ queue: job.queueName, outcome: 'completed' });
    } catch (error) {
      if (counted) this.jobs.inc({ queue: job.queueName, outcome: jobOutcome(error, job) });
      throw error;
    }
  }

  backupStored(engine: string, bytes: number, seconds: number): void {
    this.bytesWritten.inc({ engine }, bytes);
    this.dumpDuration.observe({ engine }, seconds);
  }
}
