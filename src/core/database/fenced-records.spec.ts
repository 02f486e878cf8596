import { describe, expect, it } from '@jest/globals';
import {
  AttemptFailedError,
  FencedRecords,
  JobInterruptedError,
  NOW,
} from './fenced-records.js';
import { InMemoryFencedTable } from '../../../test/support/in-memory-fenced-table.js';

interface Row {
  id: string;
  status: 'queued' | 'running' | 'success' | 'failed';
  attempt: number;
  startedAt?: unknown;
  finishedAt?: unknown;
  error?: string | null;
  storageKey?: string;
}


function setUp(rows: Row[] = [{ id: '7', status: 'queued', attempt: 0 }]) {
  const table = new InMemoryFencedTable<Row>();
  for (const row of rows) table.rows.set(row.id, { ...row });
  const warnings: string[] = [];
  const finished: string[] = [];
  const records = new FencedRecords<Row>(table, { warn: (message: string) => warnings.push(message) }, 'Backup', async (claim) => {
    finished.push(`${claim.id}/${claim.attempt}`);
  });
  return { table, records, warnings, finished };
}

const transient = () => Object.assign(new Error('target unreachable'), { transient: true });

describe('FencedRecords', () => {
  it('claims a queued row as attempt 1 and hands back the row it read', async () => {
    const { table, records } = setUp();
    const claim = await records.claim('7');
    expect(claim).toEqual({ id: '7', attempt: 1, row: { id: '7', status: 'running', attempt: 1, startedAt: NOW, finishedAt: null } });
    expect(table.rows.get('7')).toEqual({ id: '7', status: 'running', attempt: 1, startedAt: NOW, finishedAt: null });
  });

  it('answers null for a row that is finished or gone', async () => {
    const { records } = setUp([{ id: '7', status: 'success', attempt: 1 }]);
    await expect(records.claim('7')).resolves.toBeNull();
    await expect(records.claim('8')).resolves.toBeNull();
  });

  it('a redelivered job takes the running row over, and the attempt that lost it can no longer write', async () => {
    const { table, records, finished } = setUp();
    const first = (await records.claim('7'))!;
    const second = (await records.claim('7'))!;
    expect(second.attempt).toBe(2);
    await expect(records.update(first, { storageKey: 'stale' })).resolves.toBe(false);
    await expect(records.succeed(first, { storageKey: 'stale' })).resolves.toBe(false);
    await expect(records.succeed(second, { storageKey: 'db-1/backup-7-a2.dump' })).resolves.toBe(true);
    expect(table.rows.get('7')).toEqual({
      id: '7',
      status: 'success',
      attempt: 2,
      startedAt: NOW,
      finishedAt: NOW,
      error: null,
      storageKey: 'db-1/backup-7-a2.dump',
    });
    expect(table.announced).toEqual(['backup:7']);
    expect(finished).toEqual(['7/2']);
  });

  it('a progress update leaves the row running', async () => {
    const { table, records } = setUp();
    const claim = (await records.claim('7'))!;
    await expect(records.update(claim, { storageKey: 'k' })).resolves.toBe(true);
    expect(table.rows.get('7')?.status).toBe('running');
    expect(table.announced).toEqual([]);
  });

  it('on shutdown, puts the row back to queued and throws JobInterruptedError without announcing', async () => {
    const { table, records, finished } = setUp();
    const claim = (await records.claim('7'))!;
    const signal = AbortSignal.abort();
    await expect(records.settleFailure(claim, new Error('aborted'), { retriesLeft: true, signal })).rejects.toBeInstanceOf(JobInterruptedError);
    expect(table.rows.get('7')).toEqual({ id: '7', status: 'queued', attempt: 1, startedAt: null, finishedAt: null, error: null });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('a transient failure with attempts left shows queued with the reason and rethrows the error itself', async () => {
    const { table, records, warnings } = setUp();
    const claim = (await records.claim('7'))!;
    const error = transient();
    await expect(records.settleFailure(claim, error, { retriesLeft: true })).rejects.toBe(error);
    expect(table.rows.get('7')).toMatchObject({ status: 'queued', attempt: 1, error: 'Attempt 1 failed, retrying: target unreachable' });
    expect(warnings).toEqual(['Backup 7 attempt 1 failed, will retry: target unreachable']);
    expect(table.announced).toEqual([]);
  });

  it('a transient failure on the last attempt fails the row for good', async () => {
    const { table, records, finished } = setUp();
    const claim = (await records.claim('7'))!;
    const thrown = await records.settleFailure(claim, transient(), { retriesLeft: false }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(AttemptFailedError);
    expect((thrown as Error).message).toBe('target unreachable');
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', finishedAt: NOW, error: 'target unreachable' });
    expect(table.announced).toEqual(['backup:7']);
    expect(finished).toEqual(['7/1']);
  });

  it('a permanent failure is final even with attempts left', async () => {
    const { table, records, warnings } = setUp();
    const claim = (await records.claim('7'))!;
    await expect(records.settleFailure(claim, new Error('password authentication failed'), { retriesLeft: true })).rejects.toEqual(
      new AttemptFailedError('password authentication failed'),
    );
    expect(table.rows.get('7')).toMatchObject({ status: 'failed', error: 'password authentication failed' });
    expect(warnings).toEqual(['Backup 7 attempt 1 failed: password authentication failed']);
  });

  it('a failure of an attempt that lost the row changes nothing and announces nothing', async () => {
    const { table, records, finished } = setUp();
    const lost = (await records.claim('7'))!;
    await records.claim('7');
    await expect(records.settleFailure(lost, new Error('boom'), { retriesLeft: false })).rejects.toBeInstanceOf(AttemptFailedError);
    expect(table.rows.get('7')).toMatchObject({ status: 'running', attempt: 2 });
    expect(table.announced).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('an error without a message is recorded as "<noun> failed"', async () => {
    const { table, records } = setUp();
    const claim = (await records.claim('7'))!;
    await expect(records.settleFailure(claim, new Error(''), { retriesLeft: false })).rejects.toEqual(new AttemptFailedError('Backup failed'));
    expect(table.rows.get('7')?.error).toBe('Backup failed');
  });

  it('a failed announcement is logged; the outcome stands and onFinished still runs', async () => {
    const { table, records, warnings, finished } = setUp();
    table.announceFailure = new Error('connection lost');
    const claim = (await records.claim('7'))!;
    await expect(records.succeed(claim, {})).resolves.toBe(true);
    expect(table.rows.get('7')?.status).toBe('success');
    expect(warnings).toEqual(['Could not announce Backup 7: connection lost']);
    expect(finished).toEqual(['7/1']);
  });
});
