import pg from 'pg';
import { type ConnectionTarget, TargetDatabaseError, isTransientFailure, redact } from './engine.js';

export const APPLICATION_NAME = 'db-backup-service';
/** The session that holds the dump's snapshot and counts the manifest: told apart from the dump's own in pg_stat_activity. */
export const MANIFEST_APPLICATION_NAME = 'db-backup-service manifest';
export const CONNECT_TIMEOUT_SECONDS = 10;

/** Databases for admin statements, in order of preference. */
const MAINTENANCE_DATABASES = ['postgres', 'template1'];

/** A failure of a statement or connection, as the service reports it (the password never shows). */
export function pgFailure(error: unknown, target: ConnectionTarget, what: string): TargetDatabaseError {
  if (error instanceof TargetDatabaseError) return error;
  const message = redact((error as Error).message, target.password);
  return new TargetDatabaseError(`${what}: ${message}`, isTransientFailure(message));
}

/** A connected client to `database` on the target's server, with the target's credentials. */
export async function connectPg(target: ConnectionTarget, database = target.database, applicationName = APPLICATION_NAME): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database,
    user: target.username,
    password: target.password,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_SECONDS * 1000,
  });
  // A connection that breaks while idle must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw pgFailure(error, target, 'Cannot connect to PostgreSQL');
  }
}

/**
 * A client on the maintenance database (`postgres`, else `template1`), never on one of `busy`: a database cannot be
 * renamed or dropped while we are connected to it.
 */
export async function connectMaintenance(target: ConnectionTarget, busy: string[] = []): Promise<pg.Client> {
  const candidates = MAINTENANCE_DATABASES.filter((name) => !busy.includes(name));
  let lastError: unknown;
  for (const database of candidates) {
    try {
      return await connectPg(target, database);
    } catch (error) {
      if (error instanceof TargetDatabaseError && error.transient) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new TargetDatabaseError('No maintenance database (postgres, template1) can be used', false);
}

export async function withPgClient<T>(client: Promise<pg.Client>, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const connected = await client;
  try {
    return await work(connected);
  } finally {
    await connected.end().catch(() => undefined);
  }
}
