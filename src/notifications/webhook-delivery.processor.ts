import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { handle, JobHost } from '../core/queue/job-host.js';
import { Jobs, QueueNames } from '../core/queue/job-registry.js';
import { WebhookSender } from './webhook-sender.service.js';

/** Consumes the webhooks queue: one job per delivery, retried by BullMQ with exponential backoff. */
@Injectable()
export class WebhookDeliveryProcessor extends JobHost {
  constructor(
    private readonly sender: WebhookSender,
    config: AppConfig,
    metrics: WorkerMetrics,
  ) {
    super(QueueNames.webhooks, config, metrics);
  }

  protected handlers() {
    return [handle(Jobs.deliverWebhook, ({ deliveryId }, attempt) => this.sender.deliver(deliveryId, !attempt.retriesLeft))];
  }
}
