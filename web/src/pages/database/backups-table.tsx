import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useLastBackupSizes } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { CopyButton } from '../../components/copy-button';
import { BackupProgress } from '../../components/work-progress';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatBytes, formatDuration, formatTime, secondsBetween } from '../../lib/format';

import { isActive, pollInterval } from '../../lib/polling';
import { downloadBackup } from './download';
import { RestoreDialog } from './restore-dialog';

const PAGE_SIZE = 20;
type Details = Schemas['BackupDetailsDto'];
type Database = Schemas['DatabaseDetailsDto'];

/** The database's newest backups, each with its details (size, duration, checksum, verification). */
export function BackupsTable({ database }: { database: Database }) {
  const { api } = useSession();
  const list = useQuery({
    queryKey: ['backups', database.databaseId],
    queryFn: () => unwrap(api.GET('/backups', { params: { query: { databaseId: database.databaseId, limit: PAGE_SIZE } } })),
    refetchInterval: (query) => pollInterval(query, (query.state.data ?? []).some((backup) => isActive(backup.status))),
  });
  const details = useQueries({
    queries: (list.data ?? []).map((backup) => ({
      queryKey: ['backup', backup.backupId, backup.status],
      queryFn: () => unwrap(api.GET('/backups/{backupId}', { params: { path: { backupId: backup.backupId } } })),
      staleTime: isActive(backup.status) ? 0 : 60_000,
      refetchInterval: isActive(backup.status) ? 2_000 : false,
    })),
  });

  const lastSizes = useLastBackupSizes((list.data ?? []).some((backup) => isActive(backup.status)));
  if (list.isPending) return <Loading what="backups" />;
  if (list.error) return <ErrorMessage error={list.error} />;
  if (!list.data.length) return <p className="muted">No backup yet.</p>;
  return (
    <table className="backups responsive">
      <thead>
        <tr>
          <th scope="col">Backup</th>
          <th scope="col">Status</th>
          <th scope="col">Trigger</th>
          <th scope="col">Size</th>
          <th scope="col">Duration</th>
          <th scope="col">Checksum (sha256)</th>
          <th scope="col">Verification</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {list.data.map((backup, index) => (
          <BackupLine key={backup.backupId} summary={backup} details={details[index]?.data} database={database} lastSize={lastSizes.get(database.databaseId)} />
        ))}
      </tbody>
    </table>
  );
}

interface LineProps {
  summary: Schemas['BackupSummaryDto'];
  details: Details | undefined;
  database: Database;
  lastSize: number | null | undefined;
}

function BackupLine({ summary, details, database, lastSize }: LineProps) {
  const status = details?.status ?? summary.status;
  return (
    <tr data-backup={summary.backupId}>
      <td data-label="Backup">
        #{summary.backupId} <span className="muted">{formatTime(summary.timestamp)}</span>
      </td>
      <td data-label="Status">
        <Badge value={status} />
        {isActive(status) && <BackupProgress backup={summary} details={details} lastSize={lastSize} />}
        {details?.error && <div className="error small-text">{details.error}</div>}
        {(summary.anomalies ?? []).map((anomaly) => (
          <div key={anomaly.kind} className="warn small-text">
            {anomaly.message}
          </div>
        ))}
      </td>
      <td data-label="Trigger">{summary.trigger}</td>
      <td data-label="Size">{formatBytes(details?.sizeBytes)}</td>
      <td data-label="Duration">{formatDuration(secondsBetween(details?.startedAt, details?.finishedAt))}</td>
      <td data-label="Checksum">
        {details?.checksum ? (
          <span className="checksum">
            <code title={details.checksum}>{details.checksum.slice(0, 12)}…</code> <CopyButton text={details.checksum} label="Copy" />
          </span>
        ) : (
          '—'
        )}
      </td>
      <td data-label="Verification">
        {details?.verificationStatus ? <Badge value={details.verificationStatus} /> : <span className="muted">not verified</span>}
        {details?.verificationError && <div className="error small-text">{details.verificationError}</div>}
      </td>
      <td data-label="Actions">{status === 'success' && <BackupActions backupId={summary.backupId} database={database} />}</td>
    </tr>
  );
}

function BackupActions({ backupId, database }: { backupId: string; database: Database }) {
  const { api, key, can } = useSession();
  const queryClient = useQueryClient();
  const [restoring, setRestoring] = useState(false);
  const verify = useMutation({
    mutationFn: () => unwrap(api.POST('/backups/{backupId}/verify', { params: { path: { backupId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['backup', backupId] }),
  });
  const download = useMutation({ mutationFn: () => downloadBackup(key, backupId) });
  return (
    <div className="actions">
      <button type="button" className="small" onClick={() => download.mutate()} disabled={download.isPending}>
        {download.isPending ? 'Downloading…' : 'Download'}
      </button>
      {can('backup') && (
        <button type="button" className="small" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
      )}
      {can('restore') && (
        <button type="button" className="small" onClick={() => setRestoring(true)}>
          Restore…
        </button>
      )}
      <ErrorMessage error={verify.error ?? download.error} />
      {can('restore') && <RestoreDialog open={restoring} onClose={() => setRestoring(false)} backupId={backupId} source={database} />}
    </div>
  );
}
