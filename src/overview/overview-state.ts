import { previousTick } from '../schedules/cron.js';
import { scheduleState } from '../schedules/missed-schedule.js';

/** A database's state on the overview, worst first (the order the overview sorts by). */
export const OVERVIEW_STATES = ['failed', 'missed', 'never', 'warning', 'ok'] as const;
export type OverviewState = (typeof OVERVIEW_STATES)[number];

/** How recent the last successful backup is, against the schedules (the console's colours). */
export const FRESHNESS = ['fresh', 'late', 'missed', 'none'] as const;
export type Freshness = (typeof FRESHNESS)[number];

/** Without an enabled schedule, a last success older than this is late. */
export const UNSCHEDULED_FRESH_MS = 25 * 3600 * 1000;

export interface ScheduleRule {
  cron: string;
  timezone: string;
  enabled: boolean;
  updatedAt: Date;
}

export interface ScheduleSummary {
  /** The soonest next tick of the enabled schedules; null without one. */
  nextRunAt: Date | null;
  /** An enabled schedule has no successful backup since its latest tick older than the grace. */
  missed: boolean;
  freshness: Freshness;
}

export function summarizeSchedules(schedules: ScheduleRule[], lastSuccessAt: Date | null, now: Date, graceMs: number): ScheduleSummary {
  const enabled = schedules.filter((schedule) => schedule.enabled);
  const states = enabled.map((schedule) => scheduleState(schedule, lastSuccessAt, now, graceMs));
  const nextTicks = states.map((state) => state.nextRunAt!.getTime());
  const nextRunAt = nextTicks.length ? new Date(Math.min(...nextTicks)) : null;
  const missed = states.some((state) => state.missed);
  return { nextRunAt, missed, freshness: freshness(enabled, lastSuccessAt, missed, now) };
}

/**
 * none: no successful backup; missed: a schedule is missed; late: a tick has passed since the last success (still
 * within the grace), or, unscheduled, the last success is older than 25 hours; fresh otherwise.
 */
function freshness(enabled: ScheduleRule[], lastSuccessAt: Date | null, missed: boolean, now: Date): Freshness {
  if (!lastSuccessAt) return 'none';
  if (missed) return 'missed';
  if (!enabled.length) return now.getTime() - lastSuccessAt.getTime() > UNSCHEDULED_FRESH_MS ? 'late' : 'fresh';
  const late = enabled.some((schedule) => {
    const tick = previousTick(schedule.cron, schedule.timezone, now);
    return tick >= schedule.updatedAt && lastSuccessAt < tick;
  });
  return late ? 'late' : 'fresh';
}

export interface StateInputs {
  latestStatus: string | null;
  hasSuccess: boolean;
  missed: boolean;
  warningCount: number;
  anomalyCount: number;
  lastDrillFailed: boolean;
}

/** failed: the latest backup failed; missed; never: no successful backup yet; warning: warnings, anomalies or a failed drill. */
export function overviewState(inputs: StateInputs): OverviewState {
  if (inputs.latestStatus === 'failed') return 'failed';
  if (inputs.missed) return 'missed';
  if (!inputs.hasSuccess) return 'never';
  if (inputs.warningCount || inputs.anomalyCount || inputs.lastDrillFailed) return 'warning';
  return 'ok';
}

/** Worst state first, then by name. */
export function worstFirst<T extends { state: OverviewState; name: string }>(rows: T[]): T[] {
  return [...rows].sort(
    (a, b) => OVERVIEW_STATES.indexOf(a.state) - OVERVIEW_STATES.indexOf(b.state) || a.name.localeCompare(b.name),
  );
}
