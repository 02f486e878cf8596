import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ErrorMessage, Loading } from '../../components/error-message';
import { DatabaseFilter, StatusFilter, type WorkStatus } from '../../components/list-filters';
import { isActive, pollInterval } from '../../lib/polling';
import { DrillsTable } from './drills-table';


export function DrillsPage() {
  const { api } = useSession();
  const [status, setStatus] = useState<WorkStatus | ''>('');
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
        <StatusFilter value={status} onChange={setStatus} />
        <DatabaseFilter value={databaseId} onChange={setDatabaseId} databases={databases.data ?? []} />
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
