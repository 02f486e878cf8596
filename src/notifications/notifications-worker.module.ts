import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetModule } from '../core/net/net.module.js';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { NotificationsModule } from './notifications.module.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import { WebhookDeliveryReconciler } from './webhook-delivery-reconciler.service.js';
import { WebhookEntity } from './webhook.entity.js';
import { WebhookSender } from './webhook-sender.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Worker side: sends webhook deliveries. */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([WebhookEntity, WebhookDeliveryEntity]), NetModule, WorkerMetricsModule, NotificationsModule],
  providers: [WebhookSender, WebhookDeliveryProcessor, WebhookDeliveryReconciler],
})
export class NotificationsWorkerModule {}
