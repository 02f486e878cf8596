export interface FreeSpace {
  freeBytes: number;
  totalBytes: number;
}

export interface FreeSpaceFloor {
  minFreeBytes: number;
  minFreePercent: number;
}

/** How the reason of StorageLowOnSpaceError starts. */
export const LOW_ON_SPACE = 'low on space: ';

/** The storage has less free space than its floor: a backup would likely fail with "No space left on device". */
export class StorageLowOnSpaceError extends Error {}

/** The free bytes under which the storage counts as down: the larger of the two floors. */
export function freeSpaceFloorBytes(totalBytes: number, floor: FreeSpaceFloor): number {
  return Math.max(floor.minFreeBytes, Math.ceil((totalBytes * floor.minFreePercent) / 100));
}

/** The free space and its floor, as /health/ready reports them; throws StorageLowOnSpaceError under the floor. */
export function checkFreeSpace(space: FreeSpace, floor: FreeSpaceFloor): FreeSpace & { minFreeBytes: number } {
  const minFreeBytes = freeSpaceFloorBytes(space.totalBytes, floor);
  if (space.freeBytes < minFreeBytes) {
    throw new StorageLowOnSpaceError(
      `${LOW_ON_SPACE}${space.freeBytes} bytes free of ${space.totalBytes}, under the floor of ${minFreeBytes} bytes ` +
        '(STORAGE_MIN_FREE_BYTES, STORAGE_MIN_FREE_PERCENT)',
    );
  }
  return { ...space, minFreeBytes };
}
