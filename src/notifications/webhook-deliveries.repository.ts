import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';

/** The SQL of the `webhook_deliveries` table. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>) {}

  /**
   * Records one pending delivery of `payload` for every enabled webhook subscribed to `event`: the global ones and
   * those of the event's database. Returns their ids.
   */
  async insertForSubscribers(event: string, payload: string, databaseId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.deliveries.query(
      `INSERT INTO webhook_deliveries (webhook_id, event, payload)
       SELECT id, $1::text, $2::text FROM webhooks
       WHERE enabled AND $1::text = ANY (events) AND (database_id IS NULL OR database_id = $3::bigint)
       ORDER BY id
       RETURNING id::text AS id`,
      [event, payload, databaseId],
    );
    return rows.map((row) => row.id);
  }

  /** Pending deliveries created more than `seconds` ago, oldest id first (the reconciler's). */
  async pendingIdsOlderThan(seconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.deliveries.query(
      `SELECT id::text AS id FROM webhook_deliveries
       WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1) ORDER BY id`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }
}
