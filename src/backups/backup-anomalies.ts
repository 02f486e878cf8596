/**
 * Size and duration anomalies: a successful backup compared with its database's recent successful backups.
 * An anomaly is news for a person (a dump that silently missed data is the classic case), never a failure.
 */

export const BACKUP_ANOMALY_KINDS = ['size-shrink', 'size-growth', 'duration'] as const;
export type BackupAnomalyKind = (typeof BACKUP_ANOMALY_KINDS)[number];

export interface BackupAnomaly {
  kind: BackupAnomalyKind;
  /** The backup's own measure: bytes of the stored file, or seconds from start to end. */
  value: number;
  /** The median of the same measure over the earlier backups compared with. */
  median: number;
  /** How many earlier successful backups were compared with. */
  sampleSize: number;
  message: string;
}

/** One successful backup as the judgement sees it. */
export interface BackupMeasure {
  sizeBytes: number;
  durationSeconds: number;
}

/** How many of the database's latest successful backups (before the one judged) make its history. */
export const ANOMALY_HISTORY_SIZE = 10;

/**
 * Thresholds, chosen so that the ordinary wobble of a database's backups says nothing:
 * - `minSamples`: with fewer earlier backups the median is one or two files, and one odd file would decide;
 * - a file under half the median is the "silently missed data" case; over twice the median is a sharp growth;
 * - a duration over three times the median, and at least `durationFloorSeconds` longer than it: small backups
 *   take a second or two, and a busy worker can triple that without anything being wrong.
 */
export const ANOMALY_THRESHOLDS = {
  minSamples: 3,
  shrinkRatio: 0.5,
  growthRatio: 2,
  durationRatio: 3,
  durationFloorSeconds: 30,
} as const;

export type AnomalyThresholds = { [K in keyof typeof ANOMALY_THRESHOLDS]: number };

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function roundedSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function sizeAnomaly(size: number, sizes: readonly number[], limits: AnomalyThresholds): BackupAnomaly | null {
  const middle = median(sizes);
  const sampleSize = sizes.length;
  const of = `the median of the last ${sampleSize} successful backups (${middle} bytes)`;
  if (size < middle * limits.shrinkRatio) {
    return { kind: 'size-shrink', value: size, median: middle, sampleSize, message: `Size ${size} bytes is under ${limits.shrinkRatio}× ${of}: did the dump miss data?` };
  }
  if (size > middle * limits.growthRatio) {
    return { kind: 'size-growth', value: size, median: middle, sampleSize, message: `Size ${size} bytes is over ${limits.growthRatio}× ${of}` };
  }
  return null;
}

function durationAnomaly(seconds: number, durations: readonly number[], limits: AnomalyThresholds): BackupAnomaly | null {
  const value = roundedSeconds(seconds);
  const middle = roundedSeconds(median(durations));
  if (value <= middle * limits.durationRatio || value - middle < limits.durationFloorSeconds) return null;
  const sampleSize = durations.length;
  return {
    kind: 'duration',
    value,
    median: middle,
    sampleSize,
    message: `Took ${value} s, over ${limits.durationRatio}× the median of the last ${sampleSize} successful backups (${middle} s)`,
  };
}

/**
 * The anomalies of a successful backup given the database's earlier successful backups (newest first, at most
 * ANOMALY_HISTORY_SIZE of them are used). None while the history is shorter than `minSamples`.
 */
export function judgeBackup(backup: BackupMeasure, history: readonly BackupMeasure[], limits: AnomalyThresholds = ANOMALY_THRESHOLDS): BackupAnomaly[] {
  const recent = history.slice(0, ANOMALY_HISTORY_SIZE);
  if (recent.length < limits.minSamples) return [];
  return [
    sizeAnomaly(backup.sizeBytes, recent.map((b) => b.sizeBytes), limits),
    durationAnomaly(backup.durationSeconds, recent.map((b) => b.durationSeconds), limits),
  ].filter((anomaly): anomaly is BackupAnomaly => anomaly !== null);
}
