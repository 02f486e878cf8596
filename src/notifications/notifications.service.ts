import { Injectable, Logger } from '@nestjs/common';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs } from '../core/queue/job-registry.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import type { EventDatabase, WebhookEvent, WebhookEventData, WebhookPayload } from './webhook-events.js';

export type EventDetails<E extends WebhookEvent> = { database: EventDatabase } & WebhookEventData[E];

/** Builds the JSON body of an event; the same bytes are sent (and signed) on every attempt. */
export function eventPayload<E extends WebhookEvent>(event: E, details: EventDetails<E>, occurredAt = new Date()): WebhookPayload<E> {
  return { event, occurredAt: occurredAt.toISOString(), ...details } as WebhookPayload<E>;
}

/**
 * The one way to announce an event: records a delivery for every enabled webhook that subscribes to it (global
 * ones, and those of the event's database), then queues the sending. Never throws: a notification problem must
 * not change the outcome of the backup or restore it is about.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly queues: JobQueues,
  ) {}

  async publish<E extends WebhookEvent>(event: E, details: EventDetails<E>): Promise<void> {
    try {
      const deliveryIds = await this.recordDeliveries(event, details);
      for (const deliveryId of deliveryIds) await this.queues.enqueue(Jobs.deliverWebhook, { deliveryId });
      if (deliveryIds.length) this.logger.log(`Event ${event} queued for ${deliveryIds.length} webhook(s)`);
    } catch (error) {
      this.logger.warn(`Could not publish ${event} for database ${details.database.id}: ${(error as Error).message}`);
    }
  }

  private async recordDeliveries<E extends WebhookEvent>(event: E, details: EventDetails<E>): Promise<string[]> {
    const payload = JSON.stringify(eventPayload(event, details));
    return this.deliveries.insertForSubscribers(event, payload, details.database.id);
  }
}
