import type pg from 'pg';
import type { ConnectionTarget } from './engine.js';
import { connectPg, MANIFEST_APPLICATION_NAME, pgFailure, withPgClient } from './pg-connection.js';

/** The transaction whose snapshot pg_dump dumps, held open until the dump ends; close() is safe to call twice. */
export interface ExportedSnapshot {
  client: pg.Client;
  name: string;
  /**
   * Ends the session. With `interrupt`, the server ends it first: a query of ours still running (a count waiting
   * for a table lock, say) would otherwise keep its backend waiting after the socket closed, as pg_dump avoids by
   * cancelling its own query when it is stopped.
   */
  close(interrupt?: boolean): Promise<void>;
}

export async function exportSnapshot(target: ConnectionTarget): Promise<ExportedSnapshot> {
  const client = await connectPg(target, target.database, MANIFEST_APPLICATION_NAME);
  let closing: Promise<void> | undefined;
  const close = (interrupt = false) => (closing ??= endSession(client, target, interrupt));
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

async function endSession(client: pg.Client, target: ConnectionTarget, interrupt: boolean): Promise<void> {
  const pid = (client as pg.Client & { processID: number | null }).processID;
  if (interrupt && pid !== null) {
    await withPgClient(connectPg(target, target.database, MANIFEST_APPLICATION_NAME), (other) =>
      other.query('SELECT pg_terminate_backend($1)', [pid]),
    ).catch(() => undefined);
  }
  await client.end().catch(() => undefined);
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
