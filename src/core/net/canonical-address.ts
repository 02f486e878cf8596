import { isIP } from 'node:net';

/**
 * One spelling per address, so that two spellings of it compare equal: IPv4-mapped IPv6 as the IPv4 address,
 * IPv6 in its shortest lower-case form ("0:0::1" → "::1").
 */
export function canonicalAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address.toLowerCase();
  const shortest = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const remapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(shortest);
  if (!remapped) return shortest;
  const [high, low] = [parseInt(remapped[1]!, 16), parseInt(remapped[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
