import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { NotificationsService } from './notifications.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Publishing events; imported by whoever announces one (backup and restore runners, schedules). */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([WebhookDeliveryEntity])],
  providers: [NotificationsService, WebhookDeliveriesRepository],
  exports: [NotificationsService, WebhookDeliveriesRepository],
})
export class NotificationsModule {}
