import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { Badge } from '../../components/badges';
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
            <li key={webhook.webhookId}>
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
