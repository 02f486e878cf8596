import { formatBytes } from './format';

/**
 * The words beside a progress bar: "restoring · 12 MiB of 30 MiB", or, while the end is unknown (a backup's file
 * size is only known once it is written), "dumping · 12 MiB (last backup 30 MiB)".
 */
export function progressText(phase: string, bytes: number, total: number | null | undefined, estimate = false): string {
  if (!total) return `${phase} · ${formatBytes(bytes)}`;
  if (estimate) return `${phase} · ${formatBytes(bytes)} (last backup ${formatBytes(total)})`;
  return `${phase} · ${formatBytes(bytes)} of ${formatBytes(total)}`;
}

/** Whole percent done, capped at 99 while work runs (a dump can outgrow the last backup's size); null when unknown. */
export function percentDone(bytes: number, total: number | null | undefined): number | null {
  if (!total) return null;
  return Math.min(99, Math.floor((bytes / total) * 100));
}
