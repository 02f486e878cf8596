import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { CopyButton } from '../../components/copy-button';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatTime } from '../../lib/format';

export function WebhooksSection() {
  const { api } = useSession();
  const webhooks = useQuery({ queryKey: ['webhooks'], queryFn: () => unwrap(api.GET('/webhooks')) });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section aria-labelledby="settings-webhooks-title" className="stack">
      <h2 id="settings-webhooks-title">Webhooks</h2>
      <ErrorMessage error={webhooks.error} />
      {webhooks.isPending ? (
        <Loading what="webhooks" />
      ) : (
        <ul className="notes">
          {(webhooks.data ?? []).map((webhook) => (
            <li key={webhook.webhookId} data-webhook={webhook.url}>
              <code>{webhook.url}</code> <span className="muted">{webhook.databaseId ? `database ${webhook.databaseId}` : 'every database'}</span> — {webhook.events.join(', ')}{' '}
              <button type="button" className="small" aria-expanded={open === webhook.webhookId} onClick={() => setOpen(open === webhook.webhookId ? null : webhook.webhookId)}>
                Deliveries
              </button>
              {open === webhook.webhookId && <Deliveries webhookId={webhook.webhookId} />}
            </li>
          ))}
          {webhooks.data?.length === 0 && <li className="muted">None registered.</li>}
        </ul>
      )}
      <CreateWebhookForm />
    </section>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const { api } = useSession();
  const deliveries = useQuery({
    queryKey: ['deliveries', webhookId],
    queryFn: () => unwrap(api.GET('/webhooks/{webhookId}/deliveries', { params: { path: { webhookId }, query: { limit: 20 } } })),
    refetchInterval: 15_000,
  });
  if (deliveries.isPending) return <Loading what="deliveries" />;
  if (deliveries.error) return <ErrorMessage error={deliveries.error} />;
  if (!deliveries.data.length) return <p className="muted">No delivery yet.</p>;
  return (
    <ul className="notes">
      {deliveries.data.map((delivery) => (
        <li key={delivery.deliveryId}>
          <Badge value={delivery.status === 'delivered' ? 'success' : delivery.status === 'pending' ? 'queued' : 'failed'} label={delivery.status} /> {delivery.event}{' '}
          <span className="muted">
            {formatTime(delivery.createdAt)} · {delivery.attempts} attempt(s){delivery.lastResponseStatus ? ` · HTTP ${delivery.lastResponseStatus}` : ''}
          </span>
          {delivery.lastError && <div className="error small-text">{delivery.lastError}</div>}
        </li>
      ))}
    </ul>
  );
}

type WebhookEvent = Schemas['CreateWebhookDto']['events'] extends (infer E)[] | undefined ? E : never;

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'backup.succeeded',
  'backup.failed',
  'restore.succeeded',
  'restore.failed',
  'schedule.missed',
  'backup.anomaly',
  'drill.succeeded',
  'drill.failed',
  'drill.missed',
];

/** What the API sends when no events are named; the later events are sent only to webhooks that name them. */
export const DEFAULT_EVENTS: readonly WebhookEvent[] = WEBHOOK_EVENTS.slice(0, 5);

interface WebhookDraft {
  url: string;
  databaseId: string;
  events: WebhookEvent[];
  enabled: boolean;
  secret: string;
}

const EMPTY: WebhookDraft = { url: '', databaseId: '', events: [...DEFAULT_EVENTS], enabled: true, secret: '' };

/** The body to send: events in the API's order, a global webhook without a database, a generated secret when none is typed. */
export function webhookBody(draft: WebhookDraft): Schemas['CreateWebhookDto'] {
  return {
    url: draft.url.trim(),
    events: WEBHOOK_EVENTS.filter((event) => draft.events.includes(event)),
    enabled: draft.enabled,
    databaseId: draft.databaseId || null,
    ...(draft.secret ? { secret: draft.secret } : {}),
  };
}

/** Adds a webhook; its signing secret is shown once, with a copy button. */
function CreateWebhookForm() {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const databases = useQuery({ queryKey: ['databases'], queryFn: () => unwrap(api.GET('/databases')) });
  const [draft, setDraft] = useState<WebhookDraft>(EMPTY);
  const [created, setCreated] = useState<Schemas['CreatedWebhookResponseDto'] | null>(null);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/webhooks', { body: webhookBody(draft) })),
    onSuccess: async (webhook) => {
      setCreated(webhook);
      setDraft(EMPTY);
      await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const toggle = (event: WebhookEvent, on: boolean) => setDraft({ ...draft, events: on ? [...draft.events, event] : draft.events.filter((item) => item !== event) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="stack" aria-label="Add a webhook">
      <h3>Add a webhook</h3>
      <div className="inline-form">
        <label>
          URL <input type="url" value={draft.url} onChange={(event) => setDraft({ ...draft, url: event.target.value })} required size={40} placeholder="https://hooks.example.com/backups" />
        </label>
        <label>
          Database{' '}
          <select value={draft.databaseId} onChange={(event) => setDraft({ ...draft, databaseId: event.target.value })}>
            <option value="">every database</option>
            {(databases.data ?? []).map((database) => (
              <option key={database.databaseId} value={database.databaseId}>
                {database.name}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.enabled} onChange={(event) => setDraft({ ...draft, enabled: event.target.checked })} /> enabled
        </label>
      </div>
      <fieldset className="events">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} className="check">
            <input type="checkbox" checked={draft.events.includes(event)} onChange={(change) => toggle(event, change.target.checked)} /> <code>{event}</code>
          </label>
        ))}
      </fieldset>
      <label>
        Signing secret <input type="password" value={draft.secret} onChange={(event) => setDraft({ ...draft, secret: event.target.value })} autoComplete="new-password" placeholder="empty: generated" />
      </label>
      <ErrorMessage error={create.error ?? databases.error} />
      {created && (
        <div className="notice" role="status">
          <p>
            Webhook to <code>{created.url}</code> added. Its signing secret is shown this once:
          </p>
          <p className="row">
            <code className="secret" data-testid="new-webhook-secret">
              {created.secret}
            </code>
            <CopyButton text={created.secret} label="Copy secret" />
            <button type="button" className="small" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}
      <div>
        <button type="submit" className="primary" disabled={create.isPending || draft.events.length === 0}>
          Add webhook
        </button>
      </div>
    </form>
  );
}
