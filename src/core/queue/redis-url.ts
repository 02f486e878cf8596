import type { RedisOptions } from 'ioredis';

/**
 * ioredis connection options from REDIS_URL:
 * - `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS): one server;
 * - `redis-sentinel://[user:password@]host[:port][,host[:port]…]/<master name>[/db]`: the master that the Sentinels
 *   name (default Sentinel port 26379); the credentials are the master's.
 */
export function parseRedisUrl(url: string): RedisOptions {
  if (url.startsWith('redis-sentinel://')) return parseSentinelUrl(url);
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...credentials(parsed.username, parsed.password),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

const SENTINEL_URL = /^redis-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/]+)(?:\/(\d+))?\/?$/;

function parseSentinelUrl(url: string): RedisOptions {
  const match = SENTINEL_URL.exec(url);
  if (!match) throw new Error('REDIS_URL: expected redis-sentinel://[user:password@]host:port[,host:port…]/<master name>[/db]');
  const [, username = '', password = '', hosts, name, db] = match;
  return {
    sentinels: hosts!.split(',').map((entry) => {
      const [host, port] = entry.split(':');
      return { host: host!, port: Number(port || 26379) };
    }),
    name: decodeURIComponent(name!),
    ...credentials(username, password),
    db: db ? Number(db) : 0,
  };
}

function credentials(username: string, password: string): Pick<RedisOptions, 'username' | 'password'> {
  return {
    username: username ? decodeURIComponent(username) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
  };
}
