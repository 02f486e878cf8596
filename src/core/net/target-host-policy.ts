import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { UnprocessableError } from '../http/domain-error.js';

/**
 * Cloud instance metadata and credential endpoints, never a target: AWS/GCP/Azure/OpenStack (and AWS over IPv6),
 * AWS ECS task credentials, Alibaba Cloud.
 */
export const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200'] as const;

/** Link-local networks: where metadata services live; never a target either. */
export const LINK_LOCAL_NETWORKS = [
  { address: '169.254.0.0', prefix: 16 },
  { address: 'fe80::', prefix: 10 },
] as const;

/** Loopback: the service's own host. Webhooks may only call it when TARGET_HOST_ALLOWLIST names it. */
export const LOOPBACK_NETWORKS = [
  { address: '127.0.0.0', prefix: 8 },
  { address: '::1', prefix: 128 },
] as const;

/**
 * Who connects: a registered database or S3 endpoint must be inside TARGET_HOST_ALLOWLIST when there is one;
 * a webhook receiver is usually outside the backup network (a chat or paging service) and may be anywhere but
 * on this host's loopback, which it may reach only when TARGET_HOST_ALLOWLIST names it.
 */
export type TargetKind = 'database' | 'webhook';

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

function blockList(addresses: readonly string[], networks: ReadonlyArray<{ address: string; prefix: number }>): BlockList {
  const list = new BlockList();
  for (const address of addresses) list.addAddress(address, family(address));
  for (const network of networks) list.addSubnet(network.address, network.prefix, family(network.address));
  return list;
}

const metadata = blockList(METADATA_ADDRESSES, []);
const linkLocal = blockList([], LINK_LOCAL_NETWORKS);
const loopback = blockList([], LOOPBACK_NETWORKS);

/**
 * IPv4-mapped IPv6 ("::ffff:169.254.169.254", or "::ffff:a9fe:a9fe" as the URL parser writes it) is checked as
 * the IPv4 address it carries; brackets of a URL's IPv6 host are dropped.
 */
export function unmapped(address: string): string {
  const plain = address.replace(/^\[(.*)\]$/, '$1');
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(plain);
  if (!hex) return plain;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function inList(list: BlockList, address: string): boolean {
  const plain = unmapped(address);
  return isIP(plain) !== 0 && list.check(plain, family(plain));
}

export function isMetadataAddress(address: string): boolean {
  return inList(metadata, address);
}

export function isLinkLocalAddress(address: string): boolean {
  return inList(linkLocal, address);
}

export function isLoopbackAddress(address: string): boolean {
  return inList(loopback, address);
}

/** Why `address` can never be a target, whatever the configuration, or null. */
function alwaysRefused(address: string): string | null {
  if (isMetadataAddress(address)) return `${address} is a cloud metadata address`;
  if (isLinkLocalAddress(address)) return `${address} is a link-local address`;
  return null;
}

/**
 * Where registered databases, S3 endpoints and webhooks may point. Metadata and link-local addresses are always
 * refused. A database or S3 endpoint must, with an allowlist, be listed by name or resolve to an address in a
 * listed network (only those are used); a webhook may be anywhere but on loopback, unless the allowlist names it.
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
   * The addresses `host` may be reached at (IPv4 first) by a target of this kind. A host resolving to a metadata
   * or link-local address anywhere is refused outright. Throws TargetHostNotAllowedError or
   * TargetHostUnresolvedError.
   */
  async allowedAddresses(host: string, kind: TargetKind = 'database'): Promise<string[]> {
    const listedByName = this.allowlist?.hostnames.has(host.toLowerCase()) ?? false;
    const literal = host.replace(/^\[(.*)\]$/, '$1');
    const addresses = isIP(literal) !== 0 ? [literal] : await this.lookup(host);
    for (const address of addresses) {
      const reason = alwaysRefused(address);
      if (reason) throw new TargetHostNotAllowedError(host, reason);
    }
    const allowed = addresses.filter((address) => listedByName || this.permits(address, kind));
    if (allowed.length === 0) throw new TargetHostNotAllowedError(host, refusalReason(addresses, kind));
    return allowed;
  }

  /**
   * Registration-time check. Without an allowlist a name that does not resolve yet is accepted (the connect-time
   * check still applies); with one it is refused, since it cannot be checked. A webhook's name is always
   * accepted then: only loopback depends on the allowlist, and delivery checks what the name resolves to.
   */
  async assertRegistrable(host: string, kind: TargetKind = 'database'): Promise<void> {
    try {
      await this.allowedAddresses(host, kind);
    } catch (error) {
      if (error instanceof TargetHostUnresolvedError && (!this.allowlist || kind === 'webhook')) return;
      if (error instanceof TargetHostUnresolvedError) {
        throw new TargetHostNotAllowedError(host, 'it cannot be resolved, so it cannot be checked against TARGET_HOST_ALLOWLIST');
      }
      throw error;
    }
  }

  /**
   * A `lookup` for http(s) agents: every connection resolves its host through the policy, so an HTTP client
   * (the S3 SDK, the webhook sender) only ever connects to a checked address.
   */
  agentLookup(kind: TargetKind = 'database'): LookupFunction {
    return (hostname, options, callback) => {
      this.allowedAddresses(hostname, kind).then(
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

  private permits(address: string, kind: TargetKind): boolean {
    if (kind === 'database') return this.inAllowedNetwork(address);
    return !isLoopbackAddress(address) || (this.allowlist !== null && this.inAllowedNetwork(address));
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

function refusalReason(addresses: string[], kind: TargetKind): string {
  const listed = addresses.join(', ');
  return kind === 'database' ? `${listed} is outside TARGET_HOST_ALLOWLIST` : `${listed} is loopback, and TARGET_HOST_ALLOWLIST does not name it`;
}
