import type { Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { ObjectLiteral, QueryDeepPartialEntity, Repository } from 'typeorm';
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

/**
 * Rows (backups, restores) with a status and an `attempt` fencing token. A worker claims a row by incrementing the
 * token; every later write names the token, so a worker that lost its job (stalled, redelivered elsewhere) can
 * no longer change the outcome.
 */
export class FencedRecords<E extends ObjectLiteral> {
  constructor(
    private readonly repository: Repository<E>,
    private readonly logger: Logger,
    private readonly noun: string,
    /** Called once a terminal status (success or failed) was written by this attempt, never after a rejected write. */
    private readonly onFinished: (claim: Claim) => Promise<void> = async () => undefined,
  ) {}

  /** Takes the row over from `queued`, or from `running` when its previous holder died. */
  async claim(id: string): Promise<Claim | null> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set({ status: 'running', attempt: () => 'attempt + 1', startedAt: () => 'now()', finishedAt: null } as never)
      .where('id = :id AND status IN (:...statuses)', { id, statuses: ['queued', 'running'] })
      .returning('*')
      .execute();
    const row = (result.raw as Array<Record<string, unknown>>)[0];
    return row ? { id, attempt: Number(row.attempt), row } : null;
  }

  /** The fenced write: applies only while this attempt still owns the running row. */
  async finish(claim: Claim, values: QueryDeepPartialEntity<E>): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set(values)
      .where('id = :id AND attempt = :attempt AND status = :running', { id: claim.id, attempt: claim.attempt, running: 'running' })
      .execute();
    return result.affected === 1;
  }

  /** A fenced write that leaves the row running (progress, for instance). */
  update(claim: Claim, values: QueryDeepPartialEntity<E>): Promise<boolean> {
    return this.finish(claim, values);
  }

  async succeed(claim: Claim, values: QueryDeepPartialEntity<E>): Promise<boolean> {
    const owned = await this.finish(claim, { ...values, status: 'success', finishedAt: () => 'now()', error: null } as QueryDeepPartialEntity<E>);
    if (owned) await this.announceFinished(claim);
    return owned;
  }

  /**
   * Wakes API requests waiting on this row (GET …?waitSeconds=), then tells `onFinished`. Best effort: waiters
   * also time out.
   */
  private async announceFinished(claim: Claim): Promise<void> {
    await this.repository
      .query('SELECT pg_notify($1, $2)', [FINISHED_CHANNEL, finishedEventKey(this.noun, claim.id)])
      .catch((error: Error) => this.logger.warn(`Could not announce ${this.noun} ${claim.id}: ${error.message}`));
    await this.onFinished(claim).catch((error: Error) => this.logger.warn(`After ${this.noun} ${claim.id} finished: ${error.message}`));
  }

  /**
   * Records a failed attempt and throws what BullMQ should see: JobInterruptedError on shutdown (the row goes back
   * to `queued`), the error itself when a transient failure will be retried (the row shows `queued` with the
   * reason), or UnrecoverableError once the row is `failed`.
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
    if (await this.finish(claim, { status: 'failed', finishedAt: () => 'now()', error: message } as never)) {
      await this.announceFinished(claim);
    }
    throw new UnrecoverableError(message);
  }
}
