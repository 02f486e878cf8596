/** Polling intervals: fast while work runs, slower when idle, backing off (up to a minute) while requests fail. */
export const ACTIVE_MS = 2_000;
export const IDLE_MS = 15_000;
const MAX_BACKOFF_MS = 60_000;

interface QueryLike {
  state: { fetchFailureCount: number };
}

export function pollInterval(query: QueryLike, active: boolean): number {
  const failures = query.state.fetchFailureCount;
  if (failures > 0) return Math.min(MAX_BACKOFF_MS, ACTIVE_MS * 2 ** failures);
  return active ? ACTIVE_MS : IDLE_MS;
}

export function isActive(status: string | undefined | null): boolean {
  return status === 'queued' || status === 'running';
}
