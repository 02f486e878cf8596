import { type ConnectionTarget, ProbeFailedError, redact } from './engine.js';
import { quoteIdentifier, withMysqlConnection } from './mysql-connection.js';

/**
 * A drill's probe on MariaDB / MySQL: a READ ONLY transaction with a statement timeout (MariaDB's
 * max_statement_time, else MySQL's max_execution_time), always rolled back. Only one statement can be sent (the
 * connection refuses multiple statements), and the probe's text was checked to be a query.
 */
export async function runMysqlProbe(target: ConnectionTarget, database: string, sql: string, timeoutMs: number): Promise<string | null> {
  return withMysqlConnection(target, async (connection) => {
    await connection.query(`USE ${quoteIdentifier(database)}`);
    await connection
      .query(`SET SESSION max_statement_time = ${Math.max(0.001, timeoutMs / 1000)}`)
      .catch(() => connection.query(`SET SESSION max_execution_time = ${Math.max(1, Math.round(timeoutMs))}`));
    await connection.query('START TRANSACTION READ ONLY');
    try {
      const rows = (await connection.query(sql)) as unknown[][];
      const value = Array.isArray(rows) ? rows[0]?.[0] : undefined;
      return value === undefined || value === null ? null : textOf(value);
    } catch (error) {
      throw new ProbeFailedError(`The probe failed: ${redact((error as Error).message, target.password)}`);
    } finally {
      await connection.query('ROLLBACK').catch(() => undefined);
    }
  });
}

function textOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}
