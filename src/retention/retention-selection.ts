/** The rules of a retention policy; null means the rule is not used. */
export interface RetentionPolicy {
  keepLast: number | null;
  keepDays: number | null;
  keepDaily: number | null;
  keepWeekly: number | null;
  keepMonthly: number | null;
}

export interface RetentionCandidate {
  id: string;
  requestedAt: Date;
}

export const KEEP_REASONS = ['newest', 'noPolicy', 'keepLast', 'keepDays', 'gfs.daily', 'gfs.weekly', 'gfs.monthly'] as const;
export type KeepReason = (typeof KEEP_REASONS)[number];

export interface KeptBackup extends RetentionCandidate {
  keptBy: KeepReason[];
}

export interface DeletedBackup extends RetentionCandidate {
  reason: string;
}

export interface RetentionSelection {
  keep: KeptBackup[];
  delete: DeletedBackup[];
}

const DAY_MS = 86_400_000;

export function hasRules(policy: RetentionPolicy | null): policy is RetentionPolicy {
  if (policy === null) return false;
  const { keepLast, keepDays, keepDaily, keepWeekly, keepMonthly } = policy;
  return [keepLast, keepDays, keepDaily, keepWeekly, keepMonthly].some((value) => value !== null);
}

/** UTC calendar day, e.g. 2024-09-12. */
export function dayBucket(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** ISO 8601 week in UTC, e.g. 2024-W37 (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekBucket(at: Date): string {
  const thursday = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / DAY_MS / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** UTC calendar month, e.g. 2024-09. */
export function monthBucket(at: Date): string {
  return at.toISOString().slice(0, 7);
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.requestedAt.getTime() - a.requestedAt.getTime() || Number(BigInt(b.id) - BigInt(a.id));
}

/** GFS: the newest backup of each of the `count` most recent periods that have a backup. */
function newestPerPeriod(sorted: RetentionCandidate[], count: number, bucket: (at: Date) => string): Set<string> {
  const seen = new Set<string>();
  const kept = new Set<string>();
  for (const backup of sorted) {
    if (seen.size === count) break;
    const period = bucket(backup.requestedAt);
    if (seen.has(period)) continue;
    seen.add(period);
    kept.add(backup.id);
  }
  return kept;
}

function requestedWithinDays(sorted: RetentionCandidate[], days: number | null, now: Date): Set<string> {
  if (days === null) return new Set();
  const since = now.getTime() - days * DAY_MS;
  return new Set(sorted.filter((b) => b.requestedAt.getTime() >= since).map((b) => b.id));
}

function deletionReason(policy: RetentionPolicy): string {
  const parts = [
    policy.keepLast !== null && `not among the last ${policy.keepLast}`,
    policy.keepDays !== null && `older than ${policy.keepDays} days`,
    policy.keepDaily !== null && `not the newest of the last ${policy.keepDaily} days with backups`,
    policy.keepWeekly !== null && `not the newest of the last ${policy.keepWeekly} weeks with backups`,
    policy.keepMonthly !== null && `not the newest of the last ${policy.keepMonthly} months with backups`,
  ];
  return parts.filter(Boolean).join('; ');
}

/**
 * Which successful backups a policy deletes at `now`. A backup is kept if ANY rule keeps it (restic/borg semantics):
 * keepLast (the N newest), keepDays (requested within D days of now), gfs daily/weekly/monthly (the newest of each of
 * the N most recent UTC days / ISO weeks / months that have a backup). The newest backup is always kept, and a
 * policy without rules deletes nothing. Candidates are successful backups only; the caller passes nothing else.
 */
export function selectBackupsToDelete(policy: RetentionPolicy | null, backups: RetentionCandidate[], now: Date): RetentionSelection {
  const sorted = [...backups].sort(newestFirst);
  if (!hasRules(policy)) return { keep: sorted.map((b) => ({ ...b, keptBy: ['noPolicy'] })), delete: [] };
  const rules: Array<[KeepReason, Set<string>]> = [
    ['newest', new Set(sorted.slice(0, 1).map((b) => b.id))],
    ['keepLast', new Set(sorted.slice(0, policy.keepLast ?? 0).map((b) => b.id))],
    ['keepDays', requestedWithinDays(sorted, policy.keepDays, now)],
    ['gfs.daily', newestPerPeriod(sorted, policy.keepDaily ?? 0, dayBucket)],
    ['gfs.weekly', newestPerPeriod(sorted, policy.keepWeekly ?? 0, isoWeekBucket)],
    ['gfs.monthly', newestPerPeriod(sorted, policy.keepMonthly ?? 0, monthBucket)],
  ];
  const selection: RetentionSelection = { keep: [], delete: [] };
  const reason = deletionReason(policy);
  for (const backup of sorted) {
    const keptBy = rules.filter(([, ids]) => ids.has(backup.id)).map(([rule]) => rule);
    if (keptBy.length) selection.keep.push({ ...backup, keptBy });
    else selection.delete.push({ ...backup, reason });
  }
  return selection;
}
