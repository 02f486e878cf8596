import { ANOMALY_HISTORY_SIZE, type BackupMeasure, judgeBackup, median } from './backup-anomalies.js';

function history(...sizes: number[]): BackupMeasure[] {
  return sizes.map((sizeBytes) => ({ sizeBytes, durationSeconds: 2 }));
}

describe('median', () => {
  it('is the middle value of an odd count and the mean of the two middle values of an even count, in any order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([7])).toBe(7);
  });
});

describe('judgeBackup', () => {
  it('judges nothing with fewer than 3 earlier backups, however odd the backup', () => {
    expect(judgeBackup({ sizeBytes: 1, durationSeconds: 1000 }, history(1000, 1000))).toEqual([]);
  });

  it('flags a file under half the median as a shrink, with the exact numbers', () => {
    expect(judgeBackup({ sizeBytes: 499, durationSeconds: 2 }, history(1000, 990, 1010))).toEqual([
      {
        kind: 'size-shrink',
        value: 499,
        median: 1000,
        sampleSize: 3,
        message: 'Size 499 bytes is under 0.5× the median of the last 3 successful backups (1000 bytes): did the dump miss data?',
      },
    ]);
  });

  it('does not flag exactly half, nor exactly twice, the median', () => {
    expect(judgeBackup({ sizeBytes: 500, durationSeconds: 2 }, history(1000, 1000, 1000))).toEqual([]);
    expect(judgeBackup({ sizeBytes: 2000, durationSeconds: 2 }, history(1000, 1000, 1000))).toEqual([]);
  });

  it('flags a file over twice the median as a growth; an even history takes the mean of the middle two', () => {
    expect(judgeBackup({ sizeBytes: 2100, durationSeconds: 2 }, history(900, 1100, 1000, 1000))).toEqual([
      { kind: 'size-growth', value: 2100, median: 1000, sampleSize: 4, message: 'Size 2100 bytes is over 2× the median of the last 4 successful backups (1000 bytes)' },
    ]);
  });

  it('uses only the newest 10 earlier backups', () => {
    const old = history(...Array.from({ length: 20 }, () => 100));
    const recent = history(...Array.from({ length: ANOMALY_HISTORY_SIZE }, () => 1000));
    const [anomaly] = judgeBackup({ sizeBytes: 400, durationSeconds: 2 }, [...recent, ...old]);
    expect(anomaly).toMatchObject({ kind: 'size-shrink', median: 1000, sampleSize: 10 });
  });

  it('flags a duration over 3× the median only when it is also at least 30 s longer', () => {
    const durations = [10, 12, 11].map((durationSeconds) => ({ sizeBytes: 1000, durationSeconds }));
    expect(judgeBackup({ sizeBytes: 1000, durationSeconds: 40.9 }, durations)).toEqual([]);
    expect(judgeBackup({ sizeBytes: 1000, durationSeconds: 41.0004 }, durations)).toEqual([
      { kind: 'duration', value: 41, median: 11, sampleSize: 3, message: 'Took 41 s, over 3× the median of the last 3 successful backups (11 s)' },
    ]);
    const quick = [0.2, 0.3, 0.25].map((durationSeconds) => ({ sizeBytes: 1000, durationSeconds }));
    expect(judgeBackup({ sizeBytes: 1000, durationSeconds: 9 }, quick)).toEqual([]);
  });

  it('reports a shrink and a duration together', () => {
    const slow = [10, 10, 10].map((durationSeconds) => ({ sizeBytes: 1000, durationSeconds }));
    expect(judgeBackup({ sizeBytes: 10, durationSeconds: 100 }, slow).map((a) => a.kind)).toEqual(['size-shrink', 'duration']);
  });
});
