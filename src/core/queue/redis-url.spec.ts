import { describe, expect, it } from '@jest/globals';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('reads a plain URL with credentials and a database', () => {
    expect(parseRedisUrl('redis://app:p%40ss@cache:6380/2')).toEqual({
      host: 'cache',
      port: 6380,
      username: 'app',
      password: 'p@ss',
      db: 2,
      tls: undefined,
    });
  });

  it('defaults the port and the database, and turns TLS on for rediss://', () => {
    expect(parseRedisUrl('rediss://cache')).toEqual({ host: 'cache', port: 6379, username: undefined, password: undefined, db: 0, tls: {} });
  });

  it('reads a Sentinel URL: several Sentinels, the master name, the master credentials and database', () => {
    expect(parseRedisUrl('redis-sentinel://:s3cret@sentinel-a:26379,sentinel-b:26380,sentinel-c/mymaster/1')).toEqual({
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
        { host: 'sentinel-c', port: 26379 },
      ],
      name: 'mymaster',
      username: undefined,
      password: 's3cret',
      db: 1,
    });
  });

  it('reads a Sentinel URL without credentials nor database', () => {
    expect(parseRedisUrl('redis-sentinel://10.0.0.5:26379/backups-master')).toEqual({
      sentinels: [{ host: '10.0.0.5', port: 26379 }],
      name: 'backups-master',
      username: undefined,
      password: undefined,
      db: 0,
    });
  });

  it.each([['redis-sentinel://sentinel-a:26379'], ['redis-sentinel://sentinel-a:26379/'], ['redis-sentinel:///mymaster']])(
    'refuses %s (no master name or no Sentinel)',
    (url) => {
      expect(() => parseRedisUrl(url)).toThrow('REDIS_URL: expected redis-sentinel://[user:password@]host:port[,host:port…]/<master name>[/db]');
    },
  );
});
