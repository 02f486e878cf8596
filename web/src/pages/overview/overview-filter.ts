import type { Schemas } from '../../api/client';

export type OverviewRow = Schemas['OverviewDatabaseDto'];
export type OverviewState = OverviewRow['state'];
export const STATES: readonly OverviewState[] = ['failed', 'missed', 'never', 'warning', 'ok'];

export interface OverviewFilter {
  state: OverviewState | 'all';
  search: string;
}

/** Rows matching the state and the search (name or engine, any case), worst state first, then by name. */
export function filterOverview(rows: readonly OverviewRow[], filter: OverviewFilter): OverviewRow[] {
  const needle = filter.search.trim().toLowerCase();
  return rows
    .filter((row) => filter.state === 'all' || row.state === filter.state)
    .filter((row) => !needle || row.name.toLowerCase().includes(needle) || row.engine.includes(needle))
    .sort((a, b) => STATES.indexOf(a.state) - STATES.indexOf(b.state) || a.name.localeCompare(b.name));
}

export function countByState(rows: readonly OverviewRow[]): Record<OverviewState, number> {
  const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<OverviewState, number>;
  for (const row of rows) counts[row.state] += 1;
  return counts;
}
