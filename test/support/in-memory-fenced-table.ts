import type { ObjectLiteral } from 'typeorm';
import { type Claim, type FencedTable, type FencedValues, NOW } from '../../src/core/database/fenced-records.js';

type Row = Record<string, unknown>;

/**
 * The fenced SQL of a table in memory, for unit specs: a claim sets `running` with `attempt + 1` from queued or
 * running; a write applies only while the row runs under the claim's attempt. `announceFailure` makes the
 * announcement fail.
 */
export class InMemoryFencedTable<E extends ObjectLiteral> implements FencedTable<E> {
  readonly rows = new Map<string, Row>();
  readonly announced: string[] = [];
  announceFailure?: Error;

  async claim(id: string): Promise<Row | null> {
    const row = this.rows.get(id);
    if (!row || (row.status !== 'queued' && row.status !== 'running')) return null;
    Object.assign(row, { status: 'running', attempt: Number(row.attempt) + 1, startedAt: NOW, finishedAt: null });
    return { ...row };
  }

  async writeOwned(claim: Claim, values: FencedValues<E>): Promise<boolean> {
    const row = this.rows.get(claim.id);
    if (!row || row.attempt !== claim.attempt || row.status !== 'running') return false;
    Object.assign(row, values);
    return true;
  }

  async announceFinished(key: string): Promise<void> {
    if (this.announceFailure) throw this.announceFailure;
    this.announced.push(key);
  }
}
