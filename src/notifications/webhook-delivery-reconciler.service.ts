import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs, type WebhookJobData } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/** Puts back the jobs of pending deliveries that never reached Redis (it was down when the event happened) or were lost. */
@Injectable()
export class WebhookDeliveryReconciler extends QueueReconciler<WebhookJobData> {
  constructor(deliveries: WebhookDeliveriesRepository, config: AppConfig, queues: JobQueues) {
    super(config, queues, Jobs.deliverWebhook, (seconds) => deliveries.pendingIdsOlderThan(seconds));
  }
}
