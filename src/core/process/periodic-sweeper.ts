import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { PeriodicTask } from './periodic-task.js';

/**
 * A worker's clean-up of what stopped processes left behind: a sweep at start-up and every
 * RECONCILE_INTERVAL_SECONDS. A sweep that fails is logged ("Sweeping <what> failed: …"), and the next one tries
 * again.
 */
export abstract class PeriodicSweeper extends PeriodicTask {
  protected readonly logger = new Logger(this.constructor.name);

  constructor(
    private readonly config: Pick<AppConfig, 'reconcileIntervalMs'>,
    /** What is swept, as the failure's log line names it. */
    private readonly what: string,
  ) {
    super();
  }

  /** Returns what it removed. */
  abstract sweep(): Promise<string[]>;

  protected intervalMs(): number {
    return this.config.reconcileIntervalMs;
  }

  protected async tick(): Promise<void> {
    await this.sweep().catch((error: Error) => this.logger.warn(`Sweeping ${this.what} failed: ${error.message}`));
  }
}
