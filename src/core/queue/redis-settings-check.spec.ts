import { describe, expect, it } from '@jest/globals';
import { assessRedisSettings, checkRedisSettings, parseConfigReply } from './redis-settings-check.js';

describe('assessRedisSettings', () => {
  it('is silent for noeviction with AOF', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'yes', save: '' })).toEqual([]);
  });

  it('is silent for noeviction with AOF and snapshots', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'yes', save: '3600 1 300 100' })).toEqual([]);
  });

  it('warns about an evicting policy', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'allkeys-lru', appendonly: 'yes', save: '' })).toEqual([
      {
        level: 'warn',
        message: 'Redis maxmemory-policy is allkeys-lru: under memory pressure Redis may evict queued jobs; set maxmemory-policy noeviction',
      },
    ]);
  });

  it('warns when there is no persistence at all', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '' })).toEqual([
      {
        level: 'warn',
        message: 'Redis has no persistence (appendonly no, save ""): a Redis restart loses every waiting job; set appendonly yes',
      },
    ]);
  });

  it('only recommends AOF when snapshots are on', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: '3600 1' })).toEqual([
      {
        level: 'log',
        message: 'Redis persists by snapshots only (save "3600 1"): jobs queued since the last snapshot are lost on a restart; appendonly yes is recommended',
      },
    ]);
  });

  it('reports both problems, and an unknown policy when CONFIG did not name it', () => {
    expect(assessRedisSettings({}).map((finding) => finding.message)).toEqual([
      'Redis maxmemory-policy is unknown: under memory pressure Redis may evict queued jobs; set maxmemory-policy noeviction',
      'Redis has no persistence (appendonly no, save ""): a Redis restart loses every waiting job; set appendonly yes',
    ]);
  });

  it('warns that the settings could not be checked, with the reason', () => {
    expect(assessRedisSettings('unavailable', "ERR unknown command 'CONFIG'")).toEqual([
      {
        level: 'warn',
        message:
          "Could not check the Redis settings (CONFIG GET: ERR unknown command 'CONFIG'); make sure Redis runs with maxmemory-policy noeviction and appendonly yes",
      },
    ]);
  });
});

describe('parseConfigReply', () => {
  it('reads the flat name/value list', () => {
    expect(parseConfigReply(['save', '', 'appendonly', 'yes', 'maxmemory-policy', 'noeviction'])).toEqual({
      maxmemoryPolicy: 'noeviction',
      appendonly: 'yes',
      save: '',
    });
  });

  it('leaves out what is missing and ignores a non-list', () => {
    expect(parseConfigReply(['appendonly', 'no'])).toEqual({ maxmemoryPolicy: undefined, appendonly: 'no', save: undefined });
    expect(parseConfigReply('OK')).toEqual({ maxmemoryPolicy: undefined, appendonly: undefined, save: undefined });
  });
});

describe('checkRedisSettings', () => {
  const silentLogger = { warn: () => undefined, log: () => undefined };

  it('answers "could not be checked" when Redis is unreachable, without throwing', async () => {
    const findings = await checkRedisSettings({ host: '127.0.0.1', port: 1 }, silentLogger);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.level).toBe('warn');
    expect(findings[0]!.message).toMatch(/^Could not check the Redis settings \(CONFIG GET: .+\); make sure Redis runs with/);
  });
});
