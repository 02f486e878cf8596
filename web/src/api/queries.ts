import { useQueries, useQuery } from '@tanstack/react-query';
import { useSession } from '../auth/session';
import { isActive } from '../lib/polling';
import { type Schemas, unwrap } from './client';

type BackupSummary = Schemas['BackupSummaryDto'];
type BackupDetails = Schemas['BackupDetailsDto'];

/** How often running work's details are fetched again while it runs (the API updates progress about once a second). */
export const PROGRESS_MS = 2_000;

/**
 * The details of the listed backups that are queued or running (the list itself carries no progress), polled while
 * they run. Finished backups are not fetched: a list of 100 costs one request per running backup only.
 */
export function useRunningBackupDetails(backups: readonly BackupSummary[]): Map<string, BackupDetails> {
  const { api } = useSession();
  const running = backups.filter((backup) => isActive(backup.status));
  const results = useQueries({
    queries: running.map((backup) => ({
      queryKey: ['backup', backup.backupId, backup.status],
      queryFn: () => unwrap(api.GET('/backups/{backupId}', { params: { path: { backupId: backup.backupId } } })),
      staleTime: 0,
      refetchInterval: PROGRESS_MS,
    })),
  });
  const details = new Map<string, BackupDetails>();
  results.forEach((result) => result.data && details.set(result.data.backupId, result.data));
  return details;
}

/** File sizes of finished backups (what a restore or drill of them reads), by backup id; fetched once each. */
export function useBackupSizes(backupIds: ReadonlyArray<string | null>): Map<string, number | null> {
  const { api } = useSession();
  const ids = [...new Set(backupIds.filter((id): id is string => !!id))];
  const results = useQueries({
    queries: ids.map((backupId) => ({
      queryKey: ['backup', backupId, 'success'],
      queryFn: () => unwrap(api.GET('/backups/{backupId}', { params: { path: { backupId } } })),
      staleTime: 60_000,
    })),
  });
  const sizes = new Map<string, number | null>();
  results.forEach((result) => result.data && sizes.set(result.data.backupId, result.data.sizeBytes ?? null));
  return sizes;
}

/**
 * Each database's last successful backup size (from GET /overview), by database id: what a running backup's dump is
 * measured against. Only fetched while `enabled` (some backup runs).
 */
export function useLastBackupSizes(enabled: boolean): Map<string, number | null> {
  const { api } = useSession();
  // Fetched afresh on mount: a cached overview may predate the database or its last success.
  const overview = useQuery({ queryKey: ['overview'], queryFn: () => unwrap(api.GET('/overview')), enabled, staleTime: 0 });
  return new Map((overview.data ?? []).map((row) => [row.databaseId, row.lastSuccess?.sizeBytes ?? null]));
}
