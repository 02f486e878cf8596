import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Cloud instance metadata endpoints: a webhook must never make the service call them. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe']);

function isMetadataAddress(address: string): boolean {
  return METADATA_ADDRESSES.has(address.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** Why a webhook URL is refused, or null: http(s) only, no credentials, never a metadata address. */
export function webhookUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an absolute http or https URL';
  if (url.username || url.password) return 'url must not contain credentials';
  // URL normalises 0xA9FEA9FE, 2852039166 and the like to the dotted form before this check.
  if (isMetadataAddress(url.hostname)) return 'url must not point at a cloud metadata address';
  return null;
}

/** At send time: a hostname could resolve to a metadata address even though the URL did not name one. */
export async function assertDeliverable(value: string): Promise<void> {
  const problem = webhookUrlProblem(value);
  if (problem) throw new Error(problem);
  const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  const addresses = await lookup(host, { all: true });
  if (addresses.some(({ address }) => isMetadataAddress(address))) throw new Error('url resolves to a cloud metadata address');
}
