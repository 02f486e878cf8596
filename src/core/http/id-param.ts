/** Ids are bigint identities shown as strings; anything else cannot name a row. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value);
}

/** Accepts an id sent as a JSON number as well as a string. */
export const idToString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;

/** Timestamps in the API: ISO 8601 UTC to the second, as in the spec ("2024-09-12T12:30:00Z"). */
export function isoSeconds(date: Date): string;
export function isoSeconds(date: Date | null): string | null;
export function isoSeconds(date: Date | null): string | null {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}
