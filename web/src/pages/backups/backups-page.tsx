import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { unwrap } from '../../api/client';
import { useLastBackupSizes, useRunningBackupDetails } from '../../api/queries';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { DatabaseFilter, StatusFilter, type WorkStatus } from '../../components/list-filters';
import { BackupProgress } from '../../components/work-progress';
import { formatAge, formatTime } from '../../lib/format';
import { isActive, pollInterval } from '../../lib/polling';


export function BackupsPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<WorkStatus | ''>('');
  const [databaseId, setDatabaseId] = useState('');
  const databases = useQuery({ queryKey: ['databases'], queryFn: () => unwrap(api.GET('/databases')) });
  const backups = useQuery({
    queryKey: ['backups-list', status, databaseId],
    queryFn: () =>
      unwrap(api.GET('/backups', { params: { query: { limit: 100, ...(status ? { status } : {}), ...(databaseId ? { databaseId } : {}) } } })),
    refetchInterval: (query) => pollInterval(query, (query.state.data ?? []).some((backup) => isActive(backup.status))),
  });
  const listed = backups.data ?? [];
  const running = useRunningBackupDetails(listed);
  const lastSizes = useLastBackupSizes(listed.some((backup) => isActive(backup.status)));
  return (
    <section aria-labelledby="backups-page-title" className="stack">
      <h1 id="backups-page-title">Backups</h1>
      <div className="filters" role="search">
        <StatusFilter value={status} onChange={setStatus} />
        <DatabaseFilter value={databaseId} onChange={setDatabaseId} databases={databases.data ?? []} />
      </div>
      <ErrorMessage error={backups.error} />
      {backups.isPending ? (
        <Loading what="backups" />
      ) : (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Backup</th>
              <th scope="col">Database</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Requested</th>
            </tr>
          </thead>
          <tbody>
            {listed.map((backup) => (
              <tr key={backup.backupId} data-backup={backup.backupId}>
                <td data-label="Backup">#{backup.backupId}</td>
                <td data-label="Database">
                  <Link to={`/databases/${backup.databaseId}`}>{backup.databaseName}</Link>
                </td>
                <td data-label="Status">
                  <Badge value={backup.status} />
                  {isActive(backup.status) && (
                    <BackupProgress backup={backup} details={running.get(backup.backupId)} lastSize={lastSizes.get(backup.databaseId)} />
                  )}
                </td>
                <td data-label="Trigger">{backup.trigger}</td>
                <td data-label="Requested" title={formatTime(backup.timestamp)}>
                  {formatAge(backup.timestamp)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small-text">The 100 newest matching backups.</p>
    </section>
  );
}
