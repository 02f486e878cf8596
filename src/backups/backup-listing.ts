import { type BackupCursor } from './backup-cursor.js';
import type { BackupStatus, BackupTrigger } from './backup.entity.js';
import type { BackupAnomaly } from './backup-anomalies.js';

export interface BackupListFilters {
  databaseId?: string;
  status?: BackupStatus;
  /** Inclusive, ISO 8601 with an explicit offset. */
  since?: string;
  /** Exclusive, ISO 8601 with an explicit offset. */
  until?: string;
}

export interface BackupListQuery extends BackupListFilters {
  limit: number;
  after?: BackupCursor;
}

export interface BackupListRow {
  id: string;
  database_id: string;
  database_name: string;
  status: BackupStatus;
  trigger: BackupTrigger;
  /** requested_at as the API shows it (ISO 8601 UTC to the second), formatted by PostgreSQL. */
  timestamp: string;
  /** requested_at to the microsecond, for the cursor. */
  sort_key: string;
  /** Null when the backup has none (most rows: nothing to parse). */
  anomalies: BackupAnomaly[] | null;
}

/**
 * One page of backups, newest first: ORDER BY (requested_at, id) DESC with a keyset condition on the same pair,
 * so every page, however deep, is a range scan of one of the (…, requested_at DESC, id DESC) indexes.
 * Asks for `limit + 1` rows: the extra one only tells whether there is a next page. Timestamps come out as text
 * (no Date parsing and formatting in Node for every row: most of a page's CPU cost).
 */
export function backupPageSql(query: BackupListQuery): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const bind = (value: unknown) => `$${parameters.push(value)}`;
  const conditions: string[] = [];
  if (query.databaseId !== undefined) conditions.push(`b.database_id = ${bind(query.databaseId)}::bigint`);
  if (query.status !== undefined) conditions.push(`b.status = ${bind(query.status)}`);
  if (query.since !== undefined) conditions.push(`b.requested_at >= ${bind(query.since)}::timestamptz`);
  if (query.until !== undefined) conditions.push(`b.requested_at < ${bind(query.until)}::timestamptz`);
  if (query.after !== undefined) {
    conditions.push(
      `(b.requested_at, b.id) < (${bind(query.after.requestedAt)}::timestamptz, ${bind(query.after.id)}::bigint)`,
    );
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const sql = `
    SELECT b.id::text AS id, b.database_id::text AS database_id, d.name AS database_name, b.status, b.trigger,
      to_char(b.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS timestamp,
      to_char(b.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_key,
      NULLIF(b.anomalies, '[]'::jsonb) AS anomalies
    FROM backups b JOIN databases d ON d.id = b.database_id
    ${where}
    ORDER BY b.requested_at DESC, b.id DESC
    LIMIT ${bind(query.limit + 1)}`;
  return { sql, parameters };
}

/** `Link` header value announcing the next page: same filters and page size, the cursor after the last row. */
export function nextPageLink(filters: BackupListFilters, limit: number, cursor: string): string {
  const params = new URLSearchParams({ limit: String(limit), cursor });
  for (const name of ['databaseId', 'status', 'since', 'until'] as const) {
    const value = filters[name];
    if (value !== undefined) params.set(name, value);
  }
  return `</backups?${params.toString()}>; rel="next"`;
}
