import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { Sparkline } from '../../components/sparkline';
import { formatAge, formatBytes, formatDuration } from '../../lib/format';
import { isActive, pollInterval } from '../../lib/polling';
import { countByState, filterOverview, type OverviewFilter, type OverviewRow, STATES } from './overview-filter';

export function OverviewPage() {
  const { api } = useSession();
  const [filter, setFilter] = useState<OverviewFilter>({ state: 'all', search: '' });
  const overview = useQuery({
    queryKey: ['overview'],
    queryFn: () => unwrap(api.GET('/overview')),
    refetchInterval: (query) => pollInterval(query, (query.state.data ?? []).some((row) => isActive(row.latestBackup?.status))),
  });
  const rows = overview.data ?? [];
  const counts = countByState(rows);
  const shown = filterOverview(rows, filter);

  return (
    <section aria-labelledby="overview-title">
      <div className="page-title">
        <h1 id="overview-title">Overview</h1>
        <span className="muted">{rows.length} databases</span>
      </div>
      <div className="filters" role="search">
        <label>
          State{' '}
          <select value={filter.state} onChange={(event) => setFilter({ ...filter, state: event.target.value as OverviewFilter['state'] })}>
            <option value="all">all ({rows.length})</option>
            {STATES.map((state) => (
              <option key={state} value={state}>
                {state} ({counts[state]})
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input type="search" placeholder="name or engine" value={filter.search} onChange={(event) => setFilter({ ...filter, search: event.target.value })} />
        </label>
      </div>
      <ErrorMessage error={overview.error} />
      {overview.isPending ? (
        <Loading what="the overview" />
      ) : rows.length === 0 ? (
        <p className="muted">No database is registered yet (POST /databases).</p>
      ) : (
        <table className="overview responsive">
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Database</th>
              <th scope="col">Last successful backup</th>
              <th scope="col">Next run</th>
              <th scope="col">Last drill</th>
              <th scope="col">Warnings</th>
              <th scope="col">Size, last 30</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <OverviewLine key={row.databaseId} row={row} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OverviewLine({ row }: { row: OverviewRow }) {
  const latest = row.latestBackup;
  const notes = [...row.warnings, ...row.anomalies.map((anomaly) => anomaly.message)];
  return (
    <tr data-database={row.name}>
      <td data-label="State">
        <Badge value={row.state} />
      </td>
      <td data-label="Database">
        <Link to={`/databases/${row.databaseId}`}>{row.name}</Link> <span className="muted">{row.engine}</span>
        {latest && isActive(latest.status) && (
          <div>
            <Badge value={latest.status} label={`backup ${latest.status}`} />
          </div>
        )}
        {latest?.status === 'failed' && <div className="error small-text">{latest.error}</div>}
      </td>
      <td data-label="Last success">
        <span className={`freshness nowrap fresh-${row.freshness}`} title={`freshness: ${row.freshness}`}>
          {row.lastSuccess ? formatAge(row.lastSuccess.requestedAt) : 'never'}
        </span>
        {row.lastSuccess && <span className="muted nowrap"> · {formatBytes(row.lastSuccess.sizeBytes)}</span>}
      </td>
      <td data-label="Next run">
        {row.nextRunAt ? formatAge(row.nextRunAt) : <span className="muted">unscheduled</span>}
        {row.missedSchedule && (
          <div>
            <Badge value="missed" label="schedule missed" />
          </div>
        )}
      </td>
      <td data-label="Last drill">
        {row.lastDrill ? (
          <>
            <Badge value={row.lastDrill.status} /> {formatAge(row.lastDrill.finishedAt)}
            {row.restoreTimeSeconds != null && <div className="muted">restore {formatDuration(row.restoreTimeSeconds)}</div>}
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td data-label="Warnings">
        {notes.length ? (
          <ul className="notes">
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        ) : (
          <span className="muted">none</span>
        )}
      </td>
      <td data-label="Size trend">
        <Sparkline values={row.sizes} label={`Sizes of the last ${row.sizes.length} successful backups of ${row.name}`} />
      </td>
    </tr>
  );
}
