import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { WEBHOOK_QUEUE, WebhookJobs, webhookJobId, webhookJobOptions } from '../core/queue/queue.constants.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';

/** Puts back the jobs of pending deliveries that never reached Redis (it was down when the event happened) or were lost. */
@Injectable()
export class WebhookDeliveryReconciler extends QueueReconciler {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfig, @InjectQueue(WEBHOOK_QUEUE) queue: Queue) {
    super(dataSource, config, {
      table: 'webhook_deliveries',
      unfinished: `status = 'pending'`,
      createdColumn: 'created_at',
      queue,
      jobName: WebhookJobs.deliver,
      jobId: webhookJobId,
      data: (deliveryId) => ({ deliveryId }),
      options: webhookJobOptions(config.webhookMaxAttempts, config.webhookBackoffMs),
    });
  }
}
