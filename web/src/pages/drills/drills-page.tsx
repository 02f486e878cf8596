import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading } from '../../components/error-message';
import { isActive, pollInterval } from '../../lib/polling';
import { DrillsTable } from './drills-table';

type Status = Schemas['DrillResponseDto']['status'];
const STATUSES: readonly Status[] = ['queued', 'running', 'success', 'failed'];

export function DrillsPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<Status | ''>('');
  const [databaseId, setDatabaseId] = useState('');
  const databases = useQuery({ queryKey: ['databases'], queryFn: () => unwrap(api.GET('/databases')) });
  const drills = useDrills(databaseId);
  const names = new Map((databases.data ?? []).map((database) => [database.databaseId, database.name]));
  const shown = (drills.data ?? []).filter((drill) => !status || drill.status === status);
  return (
    <section aria-labelledby="drills-title" className="stack">
      <h1 id="drills-title">Drills</h1>
      <p className="muted small-text">
        A drill restores a database’s newest successful backup into a scratch database on a sandbox, checks it against the backup’s manifest (and the
        probe), times it, and drops it.
      </p>
      <div className="filters" role="search">
        <label>
          Status{' '}
          <select value={status} onChange={(event) => setStatus(event.target.value as Status | '')}>
            <option value="">all</option>
            {STATUSES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <label>
          Database{' '}
          <select value={databaseId} onChange={(event) => setDatabaseId(event.target.value)}>
            <option value="">all</option>
            {(databases.data ?? []).map((database) => (
              <option key={database.databaseId} value={database.databaseId}>
                {database.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={drills.error ?? databases.error} />
      {drills.isPending ? <Loading what="drills" /> : <DrillsTable drills={shown} databaseNames={names} />}
    </section>
  );
}

/** GET /drills (of one database, or all), polled fast while one is queued or running. */
export function useDrills(databaseId = '') {
  const { api } = useSession();
  return useQuery({
    queryKey: ['drills', databaseId],
    queryFn: () => unwrap(api.GET('/drills', { params: { query: databaseId ? { databaseId } : {} } })),
    refetchInterval: (query) => pollInterval(query, (query.state.data ?? []).some((drill) => isActive(drill.status))),
  });
}
