import type { AttemptProgress } from '../core/process/attempt-progress.js';

/** A restore's phases without the switch (a drill never switches anything in), then the probe. */
export const DRILL_PHASES = ['downloading', 'restoring', 'checking', 'probing'] as const;
export type DrillPhase = (typeof DRILL_PHASES)[number];

/** A running drill's progress (see AttemptProgress): written every second, fenced, and how a cancel is found. */
export type DrillProgress = AttemptProgress<DrillPhase>;
