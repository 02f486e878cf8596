import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs, type WebhookJobData } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';

/** Puts back the jobs of pending deliveries that never reached Redis (it was down when the event happened) or were lost. */
@Injectable()
export class WebhookDeliveryReconciler extends QueueReconciler<WebhookJobData> {
  constructor(@InjectDataSource() dataSource: DataSource, config: AppConfig, queues: JobQueues) {
    super(dataSource, config, queues, Jobs.deliverWebhook);
  }
}
