import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { createdAndUpdated } from '../../core/http/response-dates.js';
import { maskUrlSecrets } from '../../core/http/url-secrets.js';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookDeliveryEntity } from '../webhook-delivery.entity.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../webhook-events.js';
import type { WebhookEntity } from '../webhook.entity.js';

export class WebhookResponseDto {
  @ApiProperty({ example: '3' })
  webhookId!: string;

  @ApiProperty({ description: 'Without the admin scope, query values are shown as `***`.', example: 'https://hooks.example.com/backups' })
  url!: string;

  @ApiProperty({ description: 'Null: a global webhook (every database).', example: null, nullable: true, type: String })
  databaseId!: string | null;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['backup.failed', 'restore.failed'] })
  events!: WebhookEvent[];

  @ApiProperty({ example: true })
  enabled!: boolean;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  updatedAt!: string;

  /** `maskSecrets`: for a caller without admin, the URL's query values (and userinfo) become `***`. */
  static from(entity: WebhookEntity, maskSecrets = false): WebhookResponseDto {
    return {
      webhookId: entity.id,
      url: maskSecrets ? maskUrlSecrets(entity.url) : entity.url,
      databaseId: entity.databaseId,
      events: entity.events,
      enabled: entity.enabled,
      ...createdAndUpdated(entity),
    };
  }
}

export class CreatedWebhookResponseDto extends WebhookResponseDto {
  @ApiProperty({ description: 'The signing secret. Shown only in this response: store it now.', example: 'whsec_Zm9vYmFyYmF6cXV4' })
  secret!: string;
}

export class WebhookDeliveryResponseDto {
  @ApiProperty({ description: 'Also sent as the X-Webhook-Delivery header.', example: '42' })
  deliveryId!: string;

  @ApiProperty({ example: '3' })
  webhookId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, example: 'backup.failed' })
  event!: WebhookEvent;

  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'delivered' })
  status!: DeliveryStatus;

  @ApiProperty({ description: 'POSTs made so far.', example: 2 })
  attempts!: number;

  @ApiProperty({ description: "HTTP status of the receiver's last answer.", example: 200, nullable: true, type: Number })
  lastResponseStatus!: number | null;

  @ApiProperty({ description: 'Why the last attempt failed, when it did.', example: null, nullable: true, type: String })
  lastError!: string | null;

  @ApiProperty({ description: 'The JSON body sent.', type: Object, example: { event: 'backup.failed', occurredAt: '2024-09-12T12:30:09.123Z' } })
  payload!: object;

  @ApiProperty({ example: '2024-09-12T12:30:09Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-12T12:30:20Z', nullable: true, type: String })
  lastAttemptAt!: string | null;

  @ApiProperty({ description: 'When it was delivered or given up.', example: '2024-09-12T12:30:20Z', nullable: true, type: String })
  finishedAt!: string | null;

  static from(entity: WebhookDeliveryEntity): WebhookDeliveryResponseDto {
    return {
      deliveryId: entity.id,
      webhookId: entity.webhookId,
      event: entity.event,
      status: entity.status,
      attempts: entity.attempts,
      lastResponseStatus: entity.lastResponseStatus,
      lastError: entity.lastError,
      payload: JSON.parse(entity.payload) as object,
      createdAt: isoSeconds(entity.createdAt),
      lastAttemptAt: isoSeconds(entity.lastAttemptAt),
      finishedAt: isoSeconds(entity.finishedAt),
    };
  }
}
