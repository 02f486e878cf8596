import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { WorkProgress } from '../../components/work-progress';
import { formatDuration, formatTime, secondsBetween } from '../../lib/format';
import { isActive, pollInterval } from '../../lib/polling';

export function RestorePage() {
  const { restoreId = '' } = useParams();
  const { api } = useSession();
  const restore = useQuery({
    queryKey: ['restore', restoreId],
    queryFn: () => unwrap(api.GET('/restores/{restoreId}', { params: { path: { restoreId } } })),
    refetchInterval: (query) => pollInterval(query, isActive(query.state.data?.status)),
  });
  const backupId = restore.data?.backupId ?? '';
  const backup = useQuery({
    queryKey: ['backup', backupId, 'for-restore'],
    queryFn: () => unwrap(api.GET('/backups/{backupId}', { params: { path: { backupId } } })),
    enabled: backupId !== '',
  });
  if (restore.isPending) return <Loading what="the restore" />;
  if (restore.error) return <ErrorMessage error={restore.error} />;
  const data = restore.data;
  return (
    <section aria-labelledby="restore-title" className="stack">
      <div className="page-title">
        <h1 id="restore-title">Restore #{data.restoreId}</h1>
        <Badge value={data.status} />
      </div>
      <p>
        Backup #{data.backupId} of <Link to={`/databases/${data.sourceDatabaseId}`}>database {data.sourceDatabaseId}</Link> into{' '}
        <Link to={`/databases/${data.targetDatabaseId}`}>database {data.targetDatabaseId}</Link>, requested {formatTime(data.timestamp)}
        {data.finishedAt && <>, took {formatDuration(secondsBetween(data.startedAt, data.finishedAt))}</>}.
      </p>
      {isActive(data.status) && <CancelRestore restoreId={data.restoreId} phase={data.progress?.phase ?? null} />}
      {isActive(data.status) && (
        <WorkProgress
          label="Restore progress"
          progress={data.progress ? { phase: data.progress.phase, bytes: data.progress.bytesRead } : null}
          total={backup.data?.sizeBytes}
        />
      )}
      {data.error && (
        <p className="error" role="alert">
          {data.error}
        </p>
      )}
      {data.asideDatabase && (
        <p className="muted">
          The target's previous content is kept as <code>{data.asideDatabase}</code> until {formatTime(data.asideExpiresAt)}.
        </p>
      )}
      <Comparison verification={data.verification} />
    </section>
  );
}

/**
 * Cancels a queued or running restore: the tools are killed and the target is left as it was. Once the copy is being
 * switched in, the API refuses (409), so the button is gone then.
 */
export function CancelRestore({ restoreId, phase }: { restoreId: string; phase: string | null }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/restores/{restoreId}/cancel', { params: { path: { restoreId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['restore', restoreId] }),
  });
  if (!can('restore') || phase === 'switching') return null;
  return (
    <div>
      <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
        {cancel.isPending ? 'Cancelling…' : 'Cancel restore'}
      </button>
      <ErrorMessage error={cancel.error} />
    </div>
  );
}

function Comparison({ verification }: { verification: Schemas['RestoreResponseDto']['verification'] }) {
  if (!verification) return <p className="muted">Not compared with the backup's manifest yet.</p>;
  return (
    <section aria-labelledby="comparison-title">
      <h2 id="comparison-title">
        Manifest comparison <Badge value={verification.status} />
      </h2>
      <p>
        {verification.tables} tables, {verification.rows} rows, {verification.objects} objects, {verification.sequences} sequences ({verification.consistency}).
      </p>
      {verification.differences.length > 0 && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Difference</th>
            </tr>
          </thead>
          <tbody>
            {verification.differences.map((difference, index) => (
              <tr key={index}>
                <td>{JSON.stringify(difference)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
