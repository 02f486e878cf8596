import type pg from 'pg';
import type { ConnectionTarget } from './engine.js';
import { connectPg, pgFailure } from './pg-connection.js';

/** The transaction whose snapshot pg_dump dumps, held open until the dump ends; close() is safe to call twice. */
export interface ExportedSnapshot {
  client: pg.Client;
  name: string;
  close(): Promise<void>;
}

export async function exportSnapshot(target: ConnectionTarget): Promise<ExportedSnapshot> {
  const client = await connectPg(target);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= client.end().catch(() => undefined));
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    // As pg_dump sets them: no timeout may end the transaction that holds the snapshot, and no row policy may hide rows.
    await client.query(
      'SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; ' +
        'SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL row_security = off',
    );
    const { rows } = await client.query<{ name: string }>('SELECT pg_export_snapshot() AS name');
    return { client, name: rows[0]!.name, close };
  } catch (error) {
    await close();
    throw pgFailure(error, target, 'Cannot start the dump transaction');
  }
}

/**
 * Runs `work` in a savepoint of the snapshot's transaction: a failing query then ends the savepoint, not the
 * transaction, and the snapshot stays valid for a pg_dump that has not imported it yet.
 */
export async function inSavepoint<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('SAVEPOINT catalog');
  try {
    return await work();
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT catalog').catch(() => undefined);
    throw error;
  }
}
