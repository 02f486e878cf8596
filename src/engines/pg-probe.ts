import type pg from 'pg';
import { type ConnectionTarget, ProbeFailedError, redact } from './engine.js';
import { connectPg, withPgClient } from './pg-connection.js';

/**
 * A drill's probe on PostgreSQL: one statement (extended protocol) in a READ ONLY transaction whose snapshot is taken
 * before the probe runs (so the probe cannot switch it to read-write), with a statement timeout, always rolled back.
 */
export async function runPgProbe(target: ConnectionTarget, database: string, sql: string, timeoutMs: number): Promise<string | null> {
  return withPgClient(connectPg(target, database), async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    await client.query('SELECT 1');
    try {
      // The extended protocol runs exactly one statement: "select 1; commit; …" cannot leave the transaction.
      const result = await client.query<unknown[]>({ text: sql, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
      return firstValue(result);
    } catch (error) {
      throw new ProbeFailedError(`The probe failed: ${redact((error as Error).message, target.password)}`);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}

function firstValue(result: pg.QueryResult<unknown[]>): string | null {
  const value = result.rows[0]?.[0];
  return value === undefined || value === null ? null : String(value);
}
