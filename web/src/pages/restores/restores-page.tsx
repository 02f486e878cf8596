import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { unwrap } from '../../api/client';
import { useBackupSizes } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { StatusFilter, type WorkStatus } from '../../components/list-filters';
import { WorkProgress } from '../../components/work-progress';
import { formatAge } from '../../lib/format';
import { isActive, pollInterval } from '../../lib/polling';


export function RestoresPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<WorkStatus | ''>('');
  const restores = useQuery({
    queryKey: ['restores'],
    queryFn: () => unwrap(api.GET('/restores')),
    refetchInterval: (query) => pollInterval(query, (query.state.data ?? []).some((restore) => isActive(restore.status))),
  });
  const shown = (restores.data ?? []).filter((restore) => !status || restore.status === status);
  const sizes = useBackupSizes(shown.filter((restore) => isActive(restore.status)).map((restore) => restore.backupId));
  return (
    <section aria-labelledby="restores-title" className="stack">
      <h1 id="restores-title">Restores</h1>
      <div className="filters" role="search">
        <StatusFilter value={status} onChange={setStatus} />
      </div>
      <ErrorMessage error={restores.error} />
      {restores.isPending ? (
        <Loading what="restores" />
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Restore</th>
              <th scope="col">Backup</th>
              <th scope="col">Into</th>
              <th scope="col">Status</th>
              <th scope="col">Requested</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((restore) => (
              <tr key={restore.restoreId} data-restore={restore.restoreId}>
                <td data-label="Restore">
                  <Link to={`/restores/${restore.restoreId}`}>#{restore.restoreId}</Link>
                </td>
                <td data-label="Backup">#{restore.backupId}</td>
                <td data-label="Into">
                  <Link to={`/databases/${restore.targetDatabaseId}`}>database {restore.targetDatabaseId}</Link>
                </td>
                <td data-label="Status">
                  <Badge value={restore.status} />
                  {isActive(restore.status) && (
                    <WorkProgress
                      label={`Restore ${restore.restoreId} progress`}
                      progress={restore.progress ? { phase: restore.progress.phase, bytes: restore.progress.bytesRead } : null}
                      total={restore.backupId ? sizes.get(restore.backupId) : null}
                    />
                  )}
                </td>
                <td data-label="Requested">{formatAge(restore.timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
