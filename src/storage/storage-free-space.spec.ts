import { describe, expect, it } from '@jest/globals';
import { checkFreeSpace, freeSpaceFloorBytes, StorageLowOnSpaceError } from './storage-free-space.js';

const GIB = 1024 ** 3;

describe('freeSpaceFloorBytes', () => {
  it('is the larger of the byte floor and the percentage of the total', () => {
    expect(freeSpaceFloorBytes(100 * GIB, { minFreeBytes: GIB, minFreePercent: 0 })).toBe(GIB);
    expect(freeSpaceFloorBytes(100 * GIB, { minFreeBytes: GIB, minFreePercent: 5 })).toBe(5 * GIB);
    expect(freeSpaceFloorBytes(3, { minFreeBytes: 0, minFreePercent: 50 })).toBe(2);
  });
});

describe('checkFreeSpace', () => {
  const floor = { minFreeBytes: 1000, minFreePercent: 0 };

  it('reports the free space and the floor when at or above it', () => {
    expect(checkFreeSpace({ freeBytes: 1000, totalBytes: 5000 }, floor)).toEqual({ freeBytes: 1000, totalBytes: 5000, minFreeBytes: 1000 });
  });

  it('fails under the floor, with the numbers', () => {
    const check = () => checkFreeSpace({ freeBytes: 999, totalBytes: 5000 }, floor);
    expect(check).toThrow(StorageLowOnSpaceError);
    expect(check).toThrow(
      'low on space: 999 bytes free of 5000, under the floor of 1000 bytes (STORAGE_MIN_FREE_BYTES, STORAGE_MIN_FREE_PERCENT)',
    );
  });
});
