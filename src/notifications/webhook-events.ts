/** Every event a webhook can subscribe to. */
export const WEBHOOK_EVENTS = [
  'backup.succeeded',
  'backup.failed',
  'restore.succeeded',
  'restore.failed',
  'schedule.missed',
  'drill.succeeded',
  'drill.failed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * What a webhook created without `events` subscribes to: the events that existed before drills, so that the
 * receivers people already run do not start getting drill events they never asked for. Drill events are opt-in.
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
  'drill.succeeded': { drill: object };
  'drill.failed': { drill: object; error: string | null };
}

/** The JSON body POSTed to a receiver. */
export type WebhookPayload<E extends WebhookEvent = WebhookEvent> = {
  event: E;
  occurredAt: string;
  database: EventDatabase;
} & WebhookEventData[E];
