import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { isValidId } from '../core/http/id-param.js';
import { TargetHostPolicy } from '../core/net/target-host-policy.js';
import { DatabasesService } from '../databases/databases.service.js';
import type { CreateWebhookDto, UpdateWebhookDto } from './dto/create-webhook.dto.js';
import { WebhookNotFoundError } from './notifications.errors.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { DEFAULT_WEBHOOK_EVENTS } from './webhook-events.js';
import { WebhookEntity } from './webhook.entity.js';
import { generateWebhookSecret } from './webhook-signature.js';
import { webhookHost } from './webhook-url.js';

@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    private readonly databases: DatabasesService,
    private readonly cipher: CredentialsCipher,
    private readonly hostPolicy: TargetHostPolicy,
  ) {}

  /** Returns the webhook and its secret in clear, which is never available again. */
  async create(dto: CreateWebhookDto): Promise<{ webhook: WebhookEntity; secret: string }> {
    if (dto.databaseId) await this.databases.get(dto.databaseId);
    await this.hostPolicy.assertRegistrable(webhookHost(dto.url), 'webhook');
    const secret = dto.secret ?? generateWebhookSecret();
    const webhook = await this.webhooks.save(
      this.webhooks.create({
        url: dto.url,
        databaseId: dto.databaseId ?? null,
        events: dto.events ?? [...DEFAULT_WEBHOOK_EVENTS],
        enabled: dto.enabled ?? true,
        secretEncrypted: this.cipher.encrypt(secret),
      }),
    );
    return { webhook, secret };
  }

  list(): Promise<WebhookEntity[]> {
    return this.webhooks.find({ order: { id: 'ASC' } });
  }

  async get(id: string): Promise<WebhookEntity> {
    const webhook = isValidId(id) ? await this.webhooks.findOneBy({ id }) : null;
    if (!webhook) throw new WebhookNotFoundError();
    return webhook;
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookEntity> {
    const webhook = await this.get(id);
    if (dto.url !== undefined) await this.hostPolicy.assertRegistrable(webhookHost(dto.url), 'webhook');
    const given = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined));
    return this.webhooks.save(this.webhooks.merge(webhook, given));
  }

  /** Its delivery log goes with it. */
  async remove(id: string): Promise<void> {
    await this.webhooks.delete({ id: (await this.get(id)).id });
  }

  /** The delivery log, newest first. */
  async listDeliveries(id: string, limit: number): Promise<WebhookDeliveryEntity[]> {
    const webhook = await this.get(id);
    return this.deliveries.find({ where: { webhookId: webhook.id }, order: { id: 'DESC' }, take: limit });
  }
}
