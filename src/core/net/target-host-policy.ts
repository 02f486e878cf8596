import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { UnprocessableError } from '../http/domain-error.js';

/** Cloud instance metadata endpoints (AWS, GCP, Azure, OpenStack; AWS IPv6): never a backup target. */
export const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254'] as const;

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A host the policy refuses (422); the message says why and is safe to show to the caller. */
export class TargetHostNotAllowedError extends UnprocessableError {
  constructor(host: string, reason: string) {
    super(`Target host "${host}" is not allowed: ${reason}`);
  }
}

/** The host name could not be resolved, so it could not be checked (possibly a transient DNS failure). */
export class TargetHostUnresolvedError extends Error {
  constructor(host: string, cause: string) {
    super(`Cannot resolve host "${host}": ${cause}`);
    this.name = 'TargetHostUnresolvedError';
  }
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, order: 'ipv4first' })).map((entry) => entry.address);

interface Allowlist {
  hostnames: Set<string>;
  networks: BlockList;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address (a /32 or /128). */
function parseNetwork(entry: string): { address: string; prefix: number } | null {
  const [address = '', prefixText, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return null;
  const maxPrefix = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: maxPrefix };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) return null;
  return { address, prefix: Number(prefixText) };
}

function splitEntries(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** TARGET_HOST_ALLOWLIST syntax: comma-separated hostnames, addresses and CIDRs (IPv4 and IPv6). */
export function isValidAllowlist(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const entries = splitEntries(value);
  return entries.length > 0 && entries.every((entry) => parseNetwork(entry) !== null || HOSTNAME.test(entry));
}

export function parseAllowlist(text: string): Allowlist {
  const hostnames = new Set<string>();
  const networks = new BlockList();
  for (const entry of splitEntries(text)) {
    const network = parseNetwork(entry);
    if (network) networks.addSubnet(network.address, network.prefix, family(network.address));
    else if (HOSTNAME.test(entry)) hostnames.add(entry.toLowerCase());
    else throw new Error(`Invalid TARGET_HOST_ALLOWLIST entry: ${entry}`);
  }
  return { hostnames, networks };
}

const metadata = new BlockList();
for (const address of METADATA_ADDRESSES) metadata.addAddress(address, family(address));

/** IPv4-mapped IPv6 ("::ffff:169.254.169.254") is checked as the IPv4 address it carries. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

export function isMetadataAddress(address: string): boolean {
  const plain = unmapped(address);
  return isIP(plain) !== 0 && metadata.check(plain, family(plain));
}

/**
 * Where registered databases and S3 endpoints may point. Metadata addresses are always refused; with an
 * allowlist, a host must be listed by name or resolve to an address in a listed network (only those are used).
 * Checked at registration and again at connect time on the resolved addresses, which the caller then connects
 * to, so a name re-pointed at a forbidden address afterwards (DNS rebinding) is still refused.
 */
export class TargetHostPolicy {
  private readonly allowlist: Allowlist | null;

  constructor(
    allowlistText: string | undefined,
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.allowlist = allowlistText ? parseAllowlist(allowlistText) : null;
  }

  get enforcesAllowlist(): boolean {
    return this.allowlist !== null;
  }

  /**
   * The addresses `host` may be reached at (IPv4 first): those inside the allowlist (all, for a name listed as
   * such). A host resolving to a metadata address anywhere is refused outright. Throws TargetHostNotAllowedError
   * or TargetHostUnresolvedError.
   */
  async allowedAddresses(host: string): Promise<string[]> {
    const listedByName = this.allowlist?.hostnames.has(host.toLowerCase()) ?? false;
    const addresses = isIP(host) !== 0 ? [host] : await this.lookup(host);
    const metadataAddress = addresses.find(isMetadataAddress);
    if (metadataAddress) throw new TargetHostNotAllowedError(host, `${metadataAddress} is a cloud metadata address`);
    const allowed = listedByName ? addresses : addresses.filter((address) => this.inAllowedNetwork(address));
    if (allowed.length === 0) throw new TargetHostNotAllowedError(host, `${addresses.join(', ')} is outside TARGET_HOST_ALLOWLIST`);
    return allowed;
  }

  /**
   * Registration-time check. Without an allowlist a name that does not resolve yet is accepted (the connect-time
   * check still applies); with one it is refused, since it cannot be checked.
   */
  async assertRegistrable(host: string): Promise<void> {
    try {
      await this.allowedAddresses(host);
    } catch (error) {
      if (error instanceof TargetHostUnresolvedError && !this.allowlist) return;
      if (error instanceof TargetHostUnresolvedError) {
        throw new TargetHostNotAllowedError(host, 'it cannot be resolved, so it cannot be checked against TARGET_HOST_ALLOWLIST');
      }
      throw error;
    }
  }

  /**
   * A `lookup` for http(s) agents: every connection resolves its host through the policy, so an HTTP client
   * (the S3 SDK) only ever connects to a checked address.
   */
  agentLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.allowedAddresses(hostname).then(
        (addresses) => {
          const entries: LookupAddress[] = addresses
            .map((address) => ({ address, family: isIP(address) }))
            .filter((entry) => !options.family || options.family === entry.family || options.family === `IPv${entry.family}`);
          if (entries.length === 0) return callback(new TargetHostUnresolvedError(hostname, `no IPv${options.family} address`), '');
          if (options.all) return callback(null, entries);
          callback(null, entries[0]!.address, entries[0]!.family);
        },
        (error: Error) => callback(error, ''),
      );
    };
  }

  private inAllowedNetwork(address: string): boolean {
    if (!this.allowlist) return true;
    const plain = unmapped(address);
    return this.allowlist.networks.check(plain, family(plain));
  }

  private async lookup(host: string): Promise<string[]> {
    try {
      const addresses = await this.resolve(host);
      if (addresses.length === 0) throw new Error('no addresses');
      return addresses;
    } catch (error) {
      throw new TargetHostUnresolvedError(host, (error as { code?: string }).code ?? (error as Error).message);
    }
  }
}
