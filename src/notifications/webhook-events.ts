/** Every event a webhook can subscribe to. */
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
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * What a webhook created without `events` subscribes to: the events that existed when the API was first published.
 * Later events (anomalies, drills) are opt-in, so a receiver written for these never gets a payload it does not know.
 */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ['backup.succeeded', 'backup.failed', 'restore.succeeded', 'restore.failed', 'schedule.missed'];

/** The database an event is about; per-database webhooks match on its id. */
export interface EventDatabase {
  id: string;
  name: string;
}

/** What each event carries besides `event`, `occurredAt` and `database`. Objects are shown as the API shows them. */
export interface WebhookEventData {
  'backup.succeeded': { backup: object };
  'backup.failed': { backup: object; error: string | null };
  'restore.succeeded': { restore: object };
  'restore.failed': { restore: object; error: string | null };
  'schedule.missed': { schedule: object; error?: string | null };
  /** Sent after `backup.succeeded`, for a successful backup whose size or duration departs from its history. */
  'backup.anomaly': { backup: object; anomalies: object[] };
  'drill.succeeded': { drill: object };
  'drill.failed': { drill: object; error: string | null };
  /** A drill schedule with no successful drill since a tick older than the grace period. */
  'drill.missed': { schedule: object; error: string };
}

/** The JSON body POSTed to a receiver. */
export type WebhookPayload<E extends WebhookEvent = WebhookEvent> = {
  event: E;
  occurredAt: string;
  database: EventDatabase;
} & WebhookEventData[E];
