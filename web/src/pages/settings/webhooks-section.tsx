import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { type Schemas, unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
import { ConfirmDelete } from '../../components/confirm-delete';
import { CopyButton } from '../../components/copy-button';
import { ErrorMessage, Loading } from '../../components/error-message';
import { formatTime } from '../../lib/format';

export function WebhooksSection() {
  const { api } = useSession();
  const webhooks = useQuery({ queryKey: ['webhooks'], queryFn: () => unwrap(api.GET('/webhooks')) });
  return (
    <section aria-labelledby="settings-webhooks-title" className="stack">
      <h2 id="settings-webhooks-title">Webhooks</h2>
      <ErrorMessage error={webhooks.error} />
      {webhooks.isPending ? (
        <Loading what="webhooks" />
      ) : (
        <ul className="notes">
          {(webhooks.data ?? []).map((webhook) => (
            <WebhookItem key={webhook.webhookId} webhook={webhook} />
          ))}
          {webhooks.data?.length === 0 && <li className="muted">None registered.</li>}
        </ul>
      )}
      <CreateWebhookForm />
    </section>
  );
}

type Panel = 'deliveries' | 'edit' | null;

/** One webhook: its deliveries, an edit form (URL, events, enabled) and delete, each on demand. */
function WebhookItem({ webhook }: { webhook: Schemas['WebhookResponseDto'] }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [panel, setPanel] = useState<Panel>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const toggle = (which: Panel) => setPanel(panel === which ? null : which);
  // Focus goes back to Edit when the form closes, rather than to the page's start.
  const closeEdit = () => {
    setPanel(null);
    editButton.current?.focus();
  };
  const { webhookId } = webhook;
  return (
    <li data-webhook={webhook.url}>
      <code>{webhook.url}</code> <span className="muted">{webhook.databaseId ? `database ${webhook.databaseId}` : 'every database'}</span> — {webhook.events.join(', ')}
      {!webhook.enabled && (
        <>
          {' '}
          <Badge value="none" label="disabled" />
        </>
      )}{' '}
      <span className="item-actions">
        <button type="button" className="small" aria-expanded={panel === 'deliveries'} onClick={() => toggle('deliveries')}>
          Deliveries
        </button>
        <button ref={editButton} type="button" className="small" aria-expanded={panel === 'edit'} onClick={() => toggle('edit')}>
          Edit
        </button>
        <ConfirmDelete
          what={`webhook ${webhook.url}`}
          consequence="Its delivery log goes with it; nothing more is sent to this URL."
          onDelete={() => unwrap(api.DELETE('/webhooks/{webhookId}', { params: { path: { webhookId } } }))}
          onDeleted={() => queryClient.invalidateQueries({ queryKey: ['webhooks'] })}
        />
      </span>
      {panel === 'deliveries' && <Deliveries webhookId={webhookId} />}
      {panel === 'edit' && <EditWebhookForm webhook={webhook} onDone={closeEdit} />}
    </li>
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

/** In the API's order; the check below makes the build fail when the OpenAPI document's events differ. */
export const WEBHOOK_EVENTS = [
  'backup.succeeded',
  'backup.failed',
  'restore.succeeded',
  'restore.failed',
  'schedule.missed',
  'backup.anomaly',
  'drill.succeeded',
  'drill.failed',
  'drill.missed',
] as const satisfies readonly WebhookEvent[];
const everyEventListed: WebhookEvent extends (typeof WEBHOOK_EVENTS)[number] ? true : never = true;
void everyEventListed;

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

/** The PATCH body: URL, events (in the API's order) and whether it is enabled; its database and secret stay. */
export function webhookPatch(draft: Pick<WebhookDraft, 'url' | 'events' | 'enabled'>): Schemas['UpdateWebhookDto'] {
  return { url: draft.url.trim(), events: WEBHOOK_EVENTS.filter((event) => draft.events.includes(event)), enabled: draft.enabled };
}

function EventsFieldset({ events, onChange }: { events: readonly WebhookEvent[]; onChange(events: WebhookEvent[]): void }) {
  const toggle = (event: WebhookEvent, on: boolean) => onChange(on ? [...events, event] : events.filter((item) => item !== event));
  return (
    <fieldset className="events">
      <legend>Events</legend>
      {WEBHOOK_EVENTS.map((event) => (
        <label key={event} className="check">
          <input type="checkbox" checked={events.includes(event)} onChange={(change) => toggle(event, change.target.checked)} /> <code>{event}</code>
        </label>
      ))}
    </fieldset>
  );
}

/** Changes a webhook's URL, events and enabled state; the API's refusal (e.g. a host not allowed) is shown as it words it. */
function EditWebhookForm({ webhook, onDone }: { webhook: Schemas['WebhookResponseDto']; onDone(): void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState({ url: webhook.url, events: [...webhook.events] as WebhookEvent[], enabled: webhook.enabled });
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH('/webhooks/{webhookId}', { params: { path: { webhookId: webhook.webhookId } }, body: webhookPatch(draft) })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['webhooks'] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} className="stack edit-form" aria-label={`Edit webhook ${webhook.url}`}>
      <div className="inline-form">
        <label>
          URL <input type="url" value={draft.url} onChange={(event) => setDraft({ ...draft, url: event.target.value })} required size={40} />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.enabled} onChange={(event) => setDraft({ ...draft, enabled: event.target.checked })} /> enabled
        </label>
      </div>
      <EventsFieldset events={draft.events} onChange={(events) => setDraft({ ...draft, events })} />
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending || draft.events.length === 0}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
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
      <EventsFieldset events={draft.events} onChange={(events) => setDraft({ ...draft, events })} />
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
