import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { CredentialsCipher } from '../core/crypto/credentials-cipher.js';
import { TargetHostPolicy } from '../core/net/target-host-policy.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEntity } from './webhook.entity.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';
import { postOnce } from './webhook-post.js';
import { webhookHost } from './webhook-url.js';

/** What one POST got: the receiver's status code, or why there was none. */
export interface AttemptResult {
  responseStatus: number | null;
  error: string | null;
}

export class WebhookAttemptFailedError extends Error {}

const MAX_ERROR_LENGTH = 500;

function describeFailure(error: unknown): string {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  const cause = failure.cause?.code ?? failure.cause?.message;
  return (cause ? `${failure.message}: ${cause}` : failure.message).slice(0, MAX_ERROR_LENGTH);
}

/** Sends one delivery to its webhook and records the attempt on the delivery row. */
@Injectable()
export class WebhookSender {
  private readonly logger = new Logger(WebhookSender.name);

  constructor(
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    private readonly cipher: CredentialsCipher,
    private readonly config: AppConfig,
    private readonly hostPolicy: TargetHostPolicy,
  ) {}

  /**
   * One attempt. Throws WebhookAttemptFailedError when it failed and `finalAttempt` is false, so the queue
   * retries it with backoff; the last failure marks the delivery `failed`.
   */
  async deliver(deliveryId: string, finalAttempt: boolean): Promise<void> {
    const delivery = await this.deliveries.findOneBy({ id: deliveryId });
    if (!delivery || delivery.status !== 'pending') return;
    const webhook = await this.webhooks.findOneBy({ id: delivery.webhookId });
    const result = webhook?.enabled
      ? await this.post(webhook, delivery)
      : { responseStatus: null, error: 'The webhook was disabled' };
    const delivered = result.responseStatus !== null && result.responseStatus >= 200 && result.responseStatus < 300;
    const settled = delivered || finalAttempt || !webhook?.enabled;
    await this.record(delivery, result, delivered ? 'delivered' : settled ? 'failed' : 'pending');
    if (delivered) return;
    const reason = result.error ?? `HTTP ${result.responseStatus}`;
    this.logger.warn(`Webhook delivery ${deliveryId} attempt ${delivery.attempts + 1} failed${settled ? '' : ', will retry'}: ${reason}`);
    if (!settled) throw new WebhookAttemptFailedError(reason);
  }

  /**
   * Where the URL points is checked again now (a name may have been re-pointed since registration), and the
   * connection goes to the checked address itself. A redirect could lead anywhere, metadata addresses included:
   * it counts as a failure.
   */
  private async post(webhook: WebhookEntity, delivery: WebhookDeliveryEntity): Promise<AttemptResult> {
    try {
      // A literal address never reaches the lookup below: check it here.
      await this.hostPolicy.allowedAddresses(webhookHost(webhook.url), 'webhook');
      const status = await postOnce(webhook.url, delivery.payload, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'db-backup-service-webhooks',
          [SIGNATURE_HEADER]: signatureHeader(this.cipher.decrypt(webhook.secretEncrypted), delivery.payload),
          [EVENT_HEADER]: delivery.event,
          [DELIVERY_HEADER]: delivery.id,
        },
        lookup: this.hostPolicy.agentLookup('webhook'),
        timeoutMs: this.config.webhookTimeoutMs,
      });
      const redirected = status >= 300 && status < 400;
      return { responseStatus: status, error: redirected ? 'Redirects are not followed' : null };
    } catch (error) {
      return { responseStatus: null, error: describeFailure(error) };
    }
  }

  private async record(delivery: WebhookDeliveryEntity, result: AttemptResult, status: WebhookDeliveryEntity['status']) {
    await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        status,
        attempts: () => 'attempts + 1',
        lastAttemptAt: () => 'now()',
        lastResponseStatus: result.responseStatus,
        lastError: result.error,
        finishedAt: status === 'pending' ? null : () => 'now()',
      })
      .where('id = :id AND status = :pending', { id: delivery.id, pending: 'pending' })
      .execute();
  }
}
