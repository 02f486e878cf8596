import { Module } from '@nestjs/common';
import { NotificationsService } from './notifications.service.js';

/** Publishing events; imported by whoever announces one (backup and restore runners, schedules). */
@Module({
  providers: [NotificationsService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
