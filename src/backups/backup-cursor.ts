import { isValidId } from '../core/http/id-param.js';

/**
 * Position in the listing (newest first): the sort key of the last row of a page. `requestedAt` is kept to the
 * microsecond as PostgreSQL stores it (a JS Date would round it and skip or repeat rows).
 */
export interface BackupCursor {
  /** ISO 8601 UTC with six fractional digits, e.g. 2024-09-12T12:30:00.123456Z. */
  requestedAt: string;
  id: string;
}

const MICROSECOND_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,256}$/;

/** Opaque to clients: base64url of a JSON pair. */
export function encodeCursor(cursor: BackupCursor): string {
  return Buffer.from(JSON.stringify([cursor.requestedAt, cursor.id])).toString('base64url');
}

/** The cursor `encodeCursor` made, or undefined for anything else. */
export function decodeCursor(token: string): BackupCursor | undefined {
  if (!BASE64URL.test(token)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [requestedAt, id] = decoded as unknown[];
  if (typeof requestedAt !== 'string' || !MICROSECOND_TIMESTAMP.test(requestedAt)) return undefined;
  if (!isRealInstant(requestedAt) || !isValidId(id)) return undefined;
  return { requestedAt, id };
}

/** Rejects well-formed but impossible timestamps (2024-02-30T…), which PostgreSQL would refuse with an error. */
function isRealInstant(timestamp: string): boolean {
  const parsed = new Date(timestamp);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === timestamp.slice(0, 19);
}
