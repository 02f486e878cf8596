import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { WEBHOOK_QUEUE, WebhookJobs, webhookJobId, webhookJobOptions } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/** Puts back the jobs of pending deliveries that never reached Redis (it was down when the event happened) or were lost. */
@Injectable()
export class WebhookDeliveryReconciler extends QueueReconciler {
  constructor(deliveries: WebhookDeliveriesRepository, config: AppConfig, @InjectQueue(WEBHOOK_QUEUE) queue: Queue) {
    super(config, {
      table: 'webhook_deliveries',
      unfinishedIds: (seconds) => deliveries.pendingIdsOlderThan(seconds),
      queue,
      jobName: WebhookJobs.deliver,
      jobId: webhookJobId,
      data: (deliveryId) => ({ deliveryId }),
      options: webhookJobOptions(config.webhookMaxAttempts, config.webhookBackoffMs),
    });
  }
}
