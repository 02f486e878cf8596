import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ErrorMessage, Loading } from '../../components/error-message';
import { BackupsTable } from './backups-table';
import { DrillsSection } from './drills-section';
import { RetentionEditor } from './retention-editor';
import { SchedulesEditor } from './schedules-editor';

export function DatabasePage() {
  const { databaseId = '' } = useParams();
  const { api } = useSession();
  const database = useQuery({
    queryKey: ['database', databaseId],
    queryFn: () => unwrap(api.GET('/databases/{databaseId}', { params: { path: { databaseId } } })),
  });
  if (database.isPending) return <Loading what="the database" />;
  if (database.error) return <ErrorMessage error={database.error} />;
  const details = database.data;
  return (
    <section aria-labelledby="database-title" className="stack">
      <div className="page-title">
        <h1 id="database-title">{details.name}</h1>
        <span className="muted">
          {details.engine} · {details.host}:{details.port}/{details.database} · {details.compression}
          {details.encrypted ? ' · encrypted' : ''}
        </span>
        {details.missedSchedule && <Badge value="missed" label="a schedule is missed" />}
      </div>
      <DatabaseActions database={details} />
      <section aria-labelledby="backups-title">
        <h2 id="backups-title">Backups</h2>
        <BackupsTable database={details} />
      </section>
      <div className="columns">
        <section aria-labelledby="schedules-title">
          <h2 id="schedules-title">Schedules</h2>
          <SchedulesEditor databaseId={details.databaseId} schedules={details.schedules} />
        </section>
        <section aria-labelledby="retention-title">
          <h2 id="retention-title">Retention</h2>
          <RetentionEditor databaseId={details.databaseId} />
        </section>
      </div>
      <DrillsSection database={details} />
      <DatabaseWebhooks databaseId={details.databaseId} />
    </section>
  );
}

function DatabaseActions({ database }: { database: Schemas['DatabaseDetailsDto'] }) {
  const { api, can } = useSession();
  const queryClient = useQueryClient();
  const backUp = useMutation({
    mutationFn: () => unwrap(api.POST('/backups', { body: { databaseId: database.databaseId } })),
    onSuccess: () => Promise.all([queryClient.invalidateQueries({ queryKey: ['backups', database.databaseId] }), queryClient.invalidateQueries({ queryKey: ['overview'] })]),
  });
  const test = useMutation({
    mutationFn: () => unwrap(api.POST('/databases/{databaseId}/test', { params: { path: { databaseId: database.databaseId } } })),
  });
  if (!can('backup') && !can('admin')) return null;
  return (
    <div className="row">
      {can('backup') && (
        <button type="button" className="primary" onClick={() => backUp.mutate()} disabled={backUp.isPending}>
          {backUp.isPending ? 'Requesting…' : 'Back up now'}
        </button>
      )}
      {can('admin') && (
        <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
      )}
      {backUp.data && <span role="status">{backUp.data.message}</span>}
      {test.data && (
        <span role="status">
          Connected: {test.data.serverVersion} ({test.data.latencyMs} ms)
        </span>
      )}
      <ErrorMessage error={backUp.error ?? test.error} />
    </div>
  );
}

function DatabaseWebhooks({ databaseId }: { databaseId: string }) {
  const { api } = useSession();
  const webhooks = useQuery({ queryKey: ['webhooks'], queryFn: () => unwrap(api.GET('/webhooks')) });
  const mine = (webhooks.data ?? []).filter((webhook) => webhook.databaseId === databaseId || webhook.databaseId === null);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <ErrorMessage error={webhooks.error} />
      {mine.length === 0 ? (
        <p className="muted">No webhook reports on this database.</p>
      ) : (
        <ul className="notes">
          {mine.map((webhook) => (
            <li key={webhook.webhookId}>
              <code>{webhook.url}</code> {webhook.databaseId === null && <span className="muted">(every database)</span>} — {webhook.events.join(', ')}
              {!webhook.enabled && <span className="muted"> (disabled)</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
