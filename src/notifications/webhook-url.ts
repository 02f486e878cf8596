/**
 * Why a webhook URL is refused as a URL, or null: http(s) only, no credentials. Where it points is the target
 * host policy's call (TargetHostPolicy, kind 'webhook'), at registration and again at each delivery.
 */
export function webhookUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an absolute http or https URL';
  if (url.username || url.password) return 'url must not contain credentials';
  return null;
}

/**
 * The host of a webhook URL as the policy checks it: URL has already normalised 0xA9FEA9FE, 2852039166 and the
 * like to the dotted form; IPv6 brackets are dropped.
 */
export function webhookHost(value: string): string {
  return new URL(value).hostname.replace(/^\[(.*)\]$/, '$1');
}
