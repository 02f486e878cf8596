import type { Logger } from '@nestjs/common';
import type { ObjectLiteral, QueryDeepPartialEntity } from 'typeorm';
import { isTransient } from '../errors/transient-errors.js';

/** PostgreSQL NOTIFY channel on which processes announce rows that reached a terminal status (and verification events). */
export const FINISHED_CHANNEL = 'dbbackup_finished';

export function finishedEventKey(noun: string, id: string): string {
  return `${noun.toLowerCase()}:${id}`;
}

/** What a worker holds while it runs a job's row: the fencing token that lets it, and only it, finish the row. */
export interface Claim {
  id: string;
  attempt: number;
  /** The claimed row as PostgreSQL returned it (snake_case columns). */
  row: Record<string, unknown>;
}

export interface AttemptOptions {
  /** Whether a transient failure may be handed back to the queue for another attempt. */
  retriesLeft: boolean;
  /** Aborted when the worker shuts down. */
  signal?: AbortSignal;
}

/** The worker is shutting down: the work was aborted and its row handed back to the queue. */
export class JobInterruptedError extends Error {
  constructor() {
    super('Interrupted by worker shutdown; it will run again');
  }
}

/** The attempt failed for good and its row is `failed` (or no longer this attempt's): no retry may run it again. */
export class AttemptFailedError extends Error {}

/** Column values of a fenced write; `() => 'now()'` stands for the database's clock. */
export type FencedValues<E extends ObjectLiteral> = QueryDeepPartialEntity<E>;

/** The database's clock, in a fenced write. */
export const NOW = (): string => 'now()';

/**
 * The SQL behind fenced rows; each table's repository provides it (fencedTable() in fenced-table.ts for TypeORM).
 */
export interface FencedTable<E extends ObjectLiteral> {
  /** Sets the row `running` with `attempt + 1` if it is queued or running; returns the row, or null. */
  claim(id: string): Promise<Record<string, unknown> | null>;
  /** Applies `values` only while the row is running under `claim.attempt`; says whether it did. */
  writeOwned(claim: Claim, values: FencedValues<E>): Promise<boolean>;
  /** Tells waiting API requests (LISTEN) that the row reached a terminal status. */
  announceFinished(key: string): Promise<void>;
}

/**
 * Rows (backups, restores) with a status and an `attempt` fencing token. A worker claims a row by incrementing the
 * token; every later write names the token, so a worker that lost its job (stalled, redelivered elsewhere) can
 * no longer change the outcome.
 */
export class FencedRecords<E extends ObjectLiteral> {
  constructor(
    private readonly table: FencedTable<E>,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly noun: string,
    /** Called once a terminal status (success or failed) was written by this attempt, never after a rejected write. */
    private readonly onFinished: (claim: Claim) => Promise<void> = async () => undefined,
  ) {}

  /** Takes the row over from `queued`, or from `running` when its previous holder died. */
  async claim(id: string): Promise<Claim | null> {
    const row = await this.table.claim(id);
    return row ? { id, attempt: Number(row.attempt), row } : null;
  }

  /** The fenced write: applies only while this attempt still owns the running row. */
  finish(claim: Claim, values: FencedValues<E>): Promise<boolean> {
    return this.table.writeOwned(claim, values);
  }

  /** A fenced write that leaves the row running (progress, for instance). */
  update(claim: Claim, values: FencedValues<E>): Promise<boolean> {
    return this.finish(claim, values);
  }

  async succeed(claim: Claim, values: FencedValues<E>): Promise<boolean> {
    const owned = await this.finish(claim, { ...values, status: 'success', finishedAt: NOW, error: null } as FencedValues<E>);
    if (owned) await this.announceFinished(claim);
    return owned;
  }

  /**
   * Wakes API requests waiting on this row (GET …?waitSeconds=), then tells `onFinished`. Best effort: waiters
   * also time out.
   */
  private async announceFinished(claim: Claim): Promise<void> {
    await this.table
      .announceFinished(finishedEventKey(this.noun, claim.id))
      .catch((error: Error) => this.logger.warn(`Could not announce ${this.noun} ${claim.id}: ${error.message}`));
    await this.onFinished(claim).catch((error: Error) => this.logger.warn(`After ${this.noun} ${claim.id} finished: ${error.message}`));
  }

  /**
   * Records a failed attempt and throws what the queue should see: JobInterruptedError on shutdown (the row goes
   * back to `queued`), the error itself when a transient failure will be retried (the row shows `queued` with the
   * reason), or AttemptFailedError once the row is `failed`.
   */
  async settleFailure(claim: Claim, error: Error, options: AttemptOptions): Promise<never> {
    if (options.signal?.aborted) {
      await this.finish(claim, { status: 'queued', startedAt: null, error: null } as never);
      throw new JobInterruptedError();
    }
    const retry = isTransient(error) && options.retriesLeft;
    const message = error.message || `${this.noun} failed`;
    this.logger.warn(`${this.noun} ${claim.id} attempt ${claim.attempt} failed${retry ? ', will retry' : ''}: ${message}`);
    if (retry) {
      await this.finish(claim, { status: 'queued', error: `Attempt ${claim.attempt} failed, retrying: ${message}` } as never);
      throw error;
    }
    if (await this.finish(claim, { status: 'failed', finishedAt: NOW, error: message } as never)) {
      await this.announceFinished(claim);
    }
    throw new AttemptFailedError(message);
  }
}
