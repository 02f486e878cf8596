export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(values: number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  return { n: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

export const MiB = 1024 * 1024;

export function toMiB(bytes: number, digits = 1): string {
  return Number.isFinite(bytes) ? (bytes / MiB).toFixed(digits) : 'n/a';
}

export function seconds(value: number): string {
  return value.toFixed(2);
}

/** [a, b, c] rotated left by `by`: the order of round `by + 1`, so no method always runs first. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
