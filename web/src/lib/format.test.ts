import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatDuration, secondsBetween } from './format';
import { ACTIVE_MS, IDLE_MS, isActive, pollInterval } from './polling';

describe('format', () => {
  it('sizes in binary units', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('ages in the past and the future', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAge('2026-01-01T11:59:30Z', now)).toBe('30 s ago');
    expect(formatAge('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAge('2026-01-01T12:10:00Z', now)).toBe('in 10 min');
    expect(formatAge(null, now)).toBe('—');
  });

  it('durations and the seconds between two times', () => {
    expect(formatDuration(12.44)).toBe('12.4 s');
    expect(formatDuration(2 * 86_400)).toBe('2 d');
    expect(secondsBetween('2026-01-01T00:00:00Z', '2026-01-01T00:01:05Z')).toBe(65);
    expect(secondsBetween(null, '2026-01-01T00:01:05Z')).toBeNull();
  });
});

describe('polling', () => {
  const query = (fetchFailureCount: number) => ({ state: { fetchFailureCount } });

  it('polls fast while work runs, slowly when idle, and backs off up to a minute on failures', () => {
    expect(pollInterval(query(0), true)).toBe(ACTIVE_MS);
    expect(pollInterval(query(0), false)).toBe(IDLE_MS);
    expect(pollInterval(query(1), true)).toBe(4_000);
    expect(pollInterval(query(3), false)).toBe(16_000);
    expect(pollInterval(query(10), false)).toBe(60_000);
  });

  it('queued and running are active', () => {
    expect(['queued', 'running', 'success', 'failed', null].map(isActive)).toEqual([true, true, false, false, false]);
  });
});
