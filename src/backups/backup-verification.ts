import { finishedEventKey } from '../core/database/fenced-records.js';

/** A verification reads the whole file; past this it counts as failed. */
export const VERIFY_TIMEOUT_MS = 30 * 60 * 1000;

/** Announced by the worker once the verify job `jobId` recorded its verdict (or found nothing to verify). */
export function verificationDoneKey(jobId: string): string {
  return finishedEventKey('Verification', jobId);
}

/** Announced by the API when the client waiting on the verify job `jobId` went away: the worker stops it. */
export function verificationCancelledKey(jobId: string): string {
  return finishedEventKey('Verification-cancelled', jobId);
}
