import mariadb, { type Connection } from 'mariadb';
import { type ConnectionTarget, TargetDatabaseError, redact } from './engine.js';
import { isMysqlTransientFailure } from './mysql-failures.js';

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A connection to the target's server with the target's credentials, on no database (admin statements name their
 * databases). Counts and sequence values come back as BigInt and are converted by the callers.
 */
export async function openMysqlConnection(target: ConnectionTarget): Promise<Connection> {
  try {
    return await mariadb.createConnection({
      host: target.host,
      port: target.port,
      user: target.username,
      password: target.password,
      connectTimeout: CONNECT_TIMEOUT_MS,
      rowsAsArray: true,
      charset: 'utf8mb4',
      multipleStatements: false,
      bigIntAsNumber: false,
      decimalAsNumber: false,
    });
  } catch (error) {
    throw asTargetError(error, target);
  }
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withMysqlConnection<T>(target: ConnectionTarget, work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await openMysqlConnection(target);
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** A driver error as a TargetDatabaseError without the password. */
export function asTargetError(error: unknown, target: ConnectionTarget): TargetDatabaseError {
  if (error instanceof TargetDatabaseError) return error;
  const message = redact(error instanceof Error ? error.message : String(error), target.password);
  return new TargetDatabaseError(message, isMysqlTransientFailure(message));
}

/** A backquoted identifier (backquotes doubled), as the driver's escapeId does. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`Invalid MySQL identifier ${JSON.stringify(name)}`);
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `db`.`name` */
export function qualified(database: string, name: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
}
