import { describe, expect, it } from '@jest/globals';
import {
  isMetadataAddress,
  isValidAllowlist,
  TargetHostNotAllowedError,
  TargetHostPolicy,
  TargetHostUnresolvedError,
  type Resolver,
} from './target-host-policy.js';

/** A fake DNS: names map to fixed addresses; anything else is NXDOMAIN. */
function dns(records: Record<string, string[]>): Resolver {
  return async (host) => {
    const found = records[host.toLowerCase()];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
}

const records = dns({
  'db.internal': ['10.1.2.3'],
  'rebound.example': ['169.254.169.254'],
  'mixed.example': ['10.1.2.3', '203.0.113.9'],
  'outside.example': ['203.0.113.9', '203.0.113.10'],
  'half-rebound.example': ['10.1.2.4', '169.254.169.254'],
  'v6.example': ['2001:db8::5'],
  'aws-v6.example': ['fd00:ec2::254'],
  'listed.example': ['198.51.100.7'],
});

describe('isMetadataAddress', () => {
  it.each([
    '169.254.169.254',
    'fd00:ec2::254',
    'FD00:EC2:0:0:0:0:0:254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '[fd00:ec2::254]',
    '169.254.170.2',
    '100.100.100.200',
  ])('%s is a metadata address', (address) => {
    expect(isMetadataAddress(address)).toBe(true);
  });

  it.each(['169.254.169.253', '127.0.0.1', '::1', 'fd00:ec2::253', 'not-an-ip'])('%s is not', (address) => {
    expect(isMetadataAddress(address)).toBe(false);
  });
});

describe('isValidAllowlist', () => {
  it.each(['10.0.0.0/8', 'db.internal', '10.0.0.0/8, db.internal,2001:db8::/32', '192.168.1.10', '::1', 'localhost'])('accepts %j', (value) => {
    expect(isValidAllowlist(value)).toBe(true);
  });

  it.each(['', ' , ', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/8/1', '10.0.0.0/x', '-evil', 'a b', 'http://x', 42])('refuses %j', (value) => {
    expect(isValidAllowlist(value)).toBe(false);
  });
});

describe('TargetHostPolicy without an allowlist', () => {
  const policy = new TargetHostPolicy(undefined, records);

  it('allows any address but the metadata ones, and returns the resolved addresses', async () => {
    await expect(policy.allowedAddresses('203.0.113.1')).resolves.toEqual(['203.0.113.1']);
    await expect(policy.allowedAddresses('db.internal')).resolves.toEqual(['10.1.2.3']);
    await expect(policy.allowedAddresses('v6.example')).resolves.toEqual(['2001:db8::5']);
  });

  it.each([
    ['169.254.169.254', 'Target host "169.254.169.254" is not allowed: 169.254.169.254 is a cloud metadata address'],
    ['fd00:ec2::254', 'Target host "fd00:ec2::254" is not allowed: fd00:ec2::254 is a cloud metadata address'],
    ['rebound.example', 'Target host "rebound.example" is not allowed: 169.254.169.254 is a cloud metadata address'],
    ['aws-v6.example', 'Target host "aws-v6.example" is not allowed: fd00:ec2::254 is a cloud metadata address'],
  ])('refuses %s', async (host, message) => {
    const refusal = policy.allowedAddresses(host);
    await expect(refusal).rejects.toThrow(TargetHostNotAllowedError);
    await expect(refusal).rejects.toThrow(message);
  });

  it('reports a name that does not resolve', async () => {
    await expect(policy.allowedAddresses('nowhere.example')).rejects.toThrow(
      new TargetHostUnresolvedError('nowhere.example', 'ENOTFOUND'),
    );
  });

  it('registers a name that does not resolve yet (it is checked again at connect time)', async () => {
    await expect(policy.assertRegistrable('nowhere.example')).resolves.toBeUndefined();
    await expect(policy.assertRegistrable('rebound.example')).rejects.toThrow(TargetHostNotAllowedError);
  });
});

describe('TargetHostPolicy with an allowlist', () => {
  const policy = new TargetHostPolicy('10.0.0.0/8, 2001:db8::/32, listed.example, 192.0.2.1', records);

  it('allows addresses inside the listed networks, by address or by resolved name', async () => {
    await expect(policy.allowedAddresses('10.200.0.1')).resolves.toEqual(['10.200.0.1']);
    await expect(policy.allowedAddresses('db.internal')).resolves.toEqual(['10.1.2.3']);
    await expect(policy.allowedAddresses('2001:db8:1::1')).resolves.toEqual(['2001:db8:1::1']);
    await expect(policy.allowedAddresses('192.0.2.1')).resolves.toEqual(['192.0.2.1']);
    await expect(policy.allowedAddresses('::ffff:10.0.0.7')).resolves.toEqual(['::ffff:10.0.0.7']);
  });

  it('keeps only the allowed addresses of a name, and refuses a name with any metadata address', async () => {
    await expect(policy.allowedAddresses('mixed.example')).resolves.toEqual(['10.1.2.3']);
    await expect(policy.allowedAddresses('half-rebound.example')).rejects.toThrow(
      'Target host "half-rebound.example" is not allowed: 169.254.169.254 is a cloud metadata address',
    );
  });

  it('allows a name listed as such whatever it resolves to, except a metadata address', async () => {
    await expect(policy.allowedAddresses('LISTED.example')).resolves.toEqual(['198.51.100.7']);
  });

  it.each([
    ['11.0.0.1', '11.0.0.1 is outside TARGET_HOST_ALLOWLIST'],
    ['192.0.2.2', '192.0.2.2 is outside TARGET_HOST_ALLOWLIST'],
    ['2001:db9::1', '2001:db9::1 is outside TARGET_HOST_ALLOWLIST'],
    ['outside.example', '203.0.113.9, 203.0.113.10 is outside TARGET_HOST_ALLOWLIST'],
    ['rebound.example', '169.254.169.254 is a cloud metadata address'],
  ])('refuses %s', async (host, reason) => {
    await expect(policy.allowedAddresses(host)).rejects.toThrow(`Target host "${host}" is not allowed: ${reason}`);
  });

  it('refuses metadata and link-local addresses even inside a listed network', async () => {
    const wide = new TargetHostPolicy('169.254.0.0/16,fd00::/8,fe80::/10,100.64.0.0/10', records);
    await expect(wide.allowedAddresses('169.254.169.254')).rejects.toThrow('is a cloud metadata address');
    await expect(wide.allowedAddresses('fd00:ec2::254')).rejects.toThrow('is a cloud metadata address');
    await expect(wide.allowedAddresses('100.100.100.200')).rejects.toThrow('is a cloud metadata address');
    await expect(wide.allowedAddresses('169.254.1.1')).rejects.toThrow('Target host "169.254.1.1" is not allowed: 169.254.1.1 is a link-local address');
    await expect(wide.allowedAddresses('fe80::1')).rejects.toThrow('Target host "fe80::1" is not allowed: fe80::1 is a link-local address');
    await expect(wide.allowedAddresses('100.100.100.201')).resolves.toEqual(['100.100.100.201']);
  });

  it('refuses to register a name it cannot resolve, since it cannot be checked', async () => {
    await expect(policy.assertRegistrable('nowhere.example')).rejects.toThrow(
      'Target host "nowhere.example" is not allowed: it cannot be resolved, so it cannot be checked against TARGET_HOST_ALLOWLIST',
    );
  });
});

describe('TargetHostPolicy for webhooks', () => {
  const webhookRecords = dns({
    localhost: ['127.0.0.1', '::1'],
    'hooks.example': ['203.0.113.20'],
    'split.example': ['203.0.113.21', '127.0.0.1'],
    'ecs.example': ['169.254.170.2'],
    'linklocal.example': ['fe80::9'],
  });

  it.each([
    ['127.0.0.1', '127.0.0.1 is loopback, and TARGET_HOST_ALLOWLIST does not name it'],
    ['::1', '::1 is loopback, and TARGET_HOST_ALLOWLIST does not name it'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1 is loopback, and TARGET_HOST_ALLOWLIST does not name it'],
    ['localhost', '127.0.0.1, ::1 is loopback, and TARGET_HOST_ALLOWLIST does not name it'],
    ['169.254.170.2', '169.254.170.2 is a cloud metadata address'],
    ['100.100.100.200', '100.100.100.200 is a cloud metadata address'],
    ['169.254.10.10', '169.254.10.10 is a link-local address'],
    ['ecs.example', '169.254.170.2 is a cloud metadata address'],
    ['linklocal.example', 'fe80::9 is a link-local address'],
  ])('refuses %s without an allowlist', async (host, reason) => {
    const policy = new TargetHostPolicy(undefined, webhookRecords);
    await expect(policy.assertRegistrable(host, 'webhook')).rejects.toThrow(`Target host "${host}" is not allowed: ${reason}`);
  });

  it('allows any other address, keeps only the non-loopback ones of a name, and registers a name that does not resolve', async () => {
    const policy = new TargetHostPolicy(undefined, webhookRecords);
    await expect(policy.allowedAddresses('hooks.example', 'webhook')).resolves.toEqual(['203.0.113.20']);
    await expect(policy.allowedAddresses('10.1.2.3', 'webhook')).resolves.toEqual(['10.1.2.3']);
    await expect(policy.allowedAddresses('split.example', 'webhook')).resolves.toEqual(['203.0.113.21']);
    await expect(policy.assertRegistrable('nowhere.example', 'webhook')).resolves.toBeUndefined();
  });

  it('allows loopback that TARGET_HOST_ALLOWLIST names, by address or by name, and ignores the allowlist otherwise', async () => {
    const byAddress = new TargetHostPolicy('127.0.0.1, 10.0.0.0/8', webhookRecords);
    await expect(byAddress.allowedAddresses('127.0.0.1', 'webhook')).resolves.toEqual(['127.0.0.1']);
    await expect(byAddress.allowedAddresses('localhost', 'webhook')).resolves.toEqual(['127.0.0.1']);
    await expect(byAddress.allowedAddresses('::1', 'webhook')).rejects.toThrow('::1 is loopback, and TARGET_HOST_ALLOWLIST does not name it');
    await expect(byAddress.allowedAddresses('hooks.example', 'webhook')).resolves.toEqual(['203.0.113.20']);
    await expect(byAddress.assertRegistrable('nowhere.example', 'webhook')).resolves.toBeUndefined();
    const byName = new TargetHostPolicy('localhost', webhookRecords);
    await expect(byName.allowedAddresses('localhost', 'webhook')).resolves.toEqual(['127.0.0.1', '::1']);
    await expect(byName.allowedAddresses('169.254.170.2', 'webhook')).rejects.toThrow('is a cloud metadata address');
  });
});

describe('TargetHostPolicy.agentLookup (what the S3 client connects through)', () => {
  const lookup = new TargetHostPolicy('10.0.0.0/8, 2001:db8::/32', records).agentLookup();

  function resolve(host: string, options: { all?: boolean; family?: number }): Promise<unknown[]> {
    return new Promise((done) => lookup(host, options, (...result: unknown[]) => done(result)));
  }

  it('answers with the checked address, or all of them when asked', async () => {
    expect(await resolve('mixed.example', {})).toEqual([null, '10.1.2.3', 4]);
    expect(await resolve('mixed.example', { all: true })).toEqual([null, [{ address: '10.1.2.3', family: 4 }]]);
    expect(await resolve('v6.example', { family: 6 })).toEqual([null, '2001:db8::5', 6]);
  });

  it('fails the connection for a refused or rebound name', async () => {
    const [error] = (await resolve('rebound.example', {})) as [Error];
    expect(error).toBeInstanceOf(TargetHostNotAllowedError);
    expect(error.message).toBe('Target host "rebound.example" is not allowed: 169.254.169.254 is a cloud metadata address');
    const [outside] = (await resolve('outside.example', { all: true })) as [Error];
    expect(outside.message).toBe('Target host "outside.example" is not allowed: 203.0.113.9, 203.0.113.10 is outside TARGET_HOST_ALLOWLIST');
  });

  it('fails when no checked address has the requested family', async () => {
    const [error] = (await resolve('db.internal', { family: 6 })) as [Error];
    expect(error.message).toBe('Cannot resolve host "db.internal": no IPv6 address');
  });
});
