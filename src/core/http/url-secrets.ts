export const MASK = '***';

/**
 * A URL as a key without `admin` may see it: the userinfo (user and password) and the query values, where
 * tokens and signatures travel, are replaced by `***`; so is the fragment. A URL with none of them, or one that
 * does not parse, is returned as stored.
 */
export function maskUrlSecrets(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.username && !url.password && !url.search && !url.hash) return value;
  if (url.username) url.username = MASK;
  if (url.password) url.password = MASK;
  if (url.search) url.search = `?${maskQuery(url.search.slice(1))}`;
  if (url.hash) url.hash = MASK;
  return url.toString();
}

/** "token=abc&flag" → "token=***&***": a parameter without a value may itself be the secret. */
function maskQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? MASK : `${pair.slice(0, equals)}=${MASK}`;
    })
    .join('&');
}

/** Whether the caller's key may read secrets inside URLs (webhook URLs, S3 endpoints): `admin` only. */
export function mayReadUrlSecrets(scopes: readonly string[] | undefined): boolean {
  return scopes?.includes('admin') ?? false;
}
