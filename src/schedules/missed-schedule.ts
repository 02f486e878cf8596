import { nextTick, previousTick } from './cron.js';
import type { ScheduleEntity } from './schedule.entity.js';

export interface ScheduleState {
  /** The next tick after `now`; null when disabled. */
  nextRunAt: Date | null;
  /** The latest tick that should have its backup by now (older than the grace); null if none is expected yet. */
  expectedRunAt: Date | null;
  /** Whether no backup succeeded since expectedRunAt. */
  missed: boolean;
}

type ScheduleRule = Pick<ScheduleEntity, 'cron' | 'timezone' | 'enabled' | 'updatedAt'>;

/**
 * A schedule is missed when its latest tick older than `graceMs` has passed with no successful backup of the
 * database requested since (scheduled or manual). Ticks before the schedule was last changed are not expected, and
 * a disabled schedule is never missed.
 */
export function scheduleState(schedule: ScheduleRule, lastSuccessAt: Date | null, now: Date, graceMs: number): ScheduleState {
  if (!schedule.enabled) return { nextRunAt: null, expectedRunAt: null, missed: false };
  const nextRunAt = nextTick(schedule.cron, schedule.timezone, now);
  const due = previousTick(schedule.cron, schedule.timezone, new Date(now.getTime() - graceMs));
  if (due < schedule.updatedAt) return { nextRunAt, expectedRunAt: null, missed: false };
  return { nextRunAt, expectedRunAt: due, missed: lastSuccessAt === null || lastSuccessAt < due };
}
