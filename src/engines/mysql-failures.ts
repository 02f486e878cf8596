import { isTransientFailure } from './engine.js';

/**
 * MySQL client errors meaning "the server could not be reached", which the generic patterns do not catch
 * (MariaDB says "Can't connect to server on '127.0.0.1' (115)" for a refused connection).
 */
const MYSQL_TRANSIENT_PATTERNS = [
  /\b(?:ERROR|Got error:?|Error) 20(?:02|03|05|06|13)\b/,
  /can't connect to (?:local )?(?:MySQL |MariaDB )?server/i,
  /unknown (?:MySQL |MariaDB )?server host/i,
  /lost connection to (?:MySQL |MariaDB )?server/i,
  /server has gone away/i,
  /server shutdown in progress/i,
];

export function isMysqlTransientFailure(message: string): boolean {
  return isTransientFailure(message) || MYSQL_TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}
