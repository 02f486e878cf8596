import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { NotificationsService } from './notifications.service.js';

/** Publishing events; imported by whoever announces one (backup and restore runners, schedules). */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDeliveryEntity])],
  providers: [NotificationsService, WebhookDeliveriesRepository],
  exports: [NotificationsService, WebhookDeliveriesRepository],
})
export class NotificationsModule {}
