import type { AttemptProgress } from '../core/process/attempt-progress.js';

export const RESTORE_PHASES = ['downloading', 'restoring', 'checking', 'switching'] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** A running restore's progress (see AttemptProgress): written every second, fenced, and how a cancel is found. */
export type RestoreProgress = AttemptProgress<RestorePhase>;
