import type { Connection } from 'mariadb';
import { RestorePreflightError, type RestorePlan } from './engine.js';
import type { MysqlCatalogDetails, MysqlLargestRow } from './mysql-catalog.js';
import type { MysqlAccount } from './mysql-dump-rewrite.js';

const MB = 1024 * 1024;
/**
 * Room for the rest of the INSERT around the largest value: mariadb-dump starts a new extended INSERT once one
 * passes net_buffer_length (1 MB), so a statement is at most about one row over that.
 */
export const PACKET_MARGIN_BYTES = MB;

/** The bytes of the largest INSERT the restore will send for `row`: values hex-doubled, plus the margin. */
export function dumpedStatementBytes(row: MysqlLargestRow): number {
  return row.bytes * 2 + PACKET_MARGIN_BYTES;
}

function megabytes(bytes: number): string {
  const value = bytes / MB;
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} MB`;
}

/** Why `maxAllowedPacket` is too small for `row`, or null when it is large enough. */
export function packetShortfall(row: MysqlLargestRow | null, maxAllowedPacket: number): string | null {
  if (!row) return null;
  const needed = dumpedStatementBytes(row);
  if (needed <= maxAllowedPacket) return null;
  return (
    `A row of table ${row.table} holds ${megabytes(row.bytes)} (${megabytes(row.bytes * 2)} as dumped); ` +
    `the target server's max_allowed_packet is ${megabytes(maxAllowedPacket)}: raise it to at least ${Math.ceil(needed / MB)}M`
  );
}

export function accountName({ user, host }: MysqlAccount): string {
  return `'${user.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'@'${host.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The catalog's definers that are not accounts on the target server (mysql.user, matched exactly). */
export async function missingDefiners(connection: Connection, definers: MysqlAccount[]): Promise<MysqlAccount[]> {
  if (definers.length === 0) return [];
  let accounts: unknown[][];
  try {
    accounts = (await connection.query({ sql: 'SELECT User, Host FROM mysql.user', rowsAsArray: true })) as unknown[][];
  } catch (error) {
    throw new RestorePreflightError(
      `Cannot check that the target server has this backup's definer accounts (${definers.map(accountName).join(', ')}): ` +
        `${(error as Error).message.split('\n')[0]}; grant SELECT on mysql.user or pass "ownership": "restoring-user"`,
    );
  }
  const present = new Set(accounts.map(([user, host]) => `${String(user)}@${String(host).toLowerCase()}`));
  return definers.filter(({ user, host }) => !present.has(`${user}@${host.toLowerCase()}`));
}

/** Which definers the restore rewrites to CURRENT_USER: all, the missing ones, or none. */
export async function definersToRewrite(connection: Connection, plan: RestorePlan): Promise<'all' | MysqlAccount[]> {
  if (plan.options.ownership === 'restoring-user') return 'all';
  if (!plan.options.rewriteMissingDefiners) return [];
  return missingDefiners(connection, mysqlDetails(plan).definers);
}

export async function checkDefiners(connection: Connection, plan: RestorePlan): Promise<void> {
  if (plan.options.ownership === 'restoring-user' || plan.options.rewriteMissingDefiners) return;
  const missing = await missingDefiners(connection, mysqlDetails(plan).definers);
  if (missing.length === 0) return;
  throw new RestorePreflightError(
    `The target server lacks accounts this backup's definers need: ${missing.map(accountName).join(', ')}; ` +
      'create them or pass "rewriteMissingDefiners": true',
  );
}

export async function checkPacketSize(connection: Connection, plan: RestorePlan): Promise<void> {
  const [[packet]] = (await connection.query({ sql: 'SELECT @@global.max_allowed_packet', rowsAsArray: true })) as unknown[][];
  const shortfall = packetShortfall(mysqlDetails(plan).largestRow, Number(packet));
  if (shortfall) throw new RestorePreflightError(shortfall);
}

/** The catalog's MySQL details, checked enough to be used. */
export function mysqlDetails(plan: RestorePlan): MysqlCatalogDetails {
  const details = plan.catalog.details as Partial<MysqlCatalogDetails> | null;
  if (plan.catalog.engine !== 'mysql' || !details?.database || !Array.isArray(details.definers) || !details.sourceDatabase) {
    throw new RestorePreflightError('The backup catalog has no MySQL details (database properties, definers)');
  }
  return details as MysqlCatalogDetails;
}
