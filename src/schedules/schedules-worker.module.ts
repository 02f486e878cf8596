import { Module } from '@nestjs/common';
import { WorkerMetricsModule } from '../core/metrics/worker-metrics.module.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { DrillCommandsModule } from '../drills/drill-commands.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { MissedScheduleMonitor } from './missed-schedule-monitor.service.js';
import { ScheduleMissedNotifier } from './schedule-missed.notifier.js';
import { ScheduleReconciler } from './schedule-reconciler.service.js';
import { ScheduleTickProcessor } from './schedule-tick.processor.js';
import { ScheduleEntity } from './schedule.entity.js';
import { SchedulesModule } from './schedules.module.js';

/** Worker side: consumes schedule ticks, keeps BullMQ job schedulers in line with PostgreSQL, reports misses. */
@Module({
  imports: [TypeOrmModule.forFeature([ScheduleEntity]), DatabasesModule, BackupCommandsModule, DrillCommandsModule, SchedulesModule, NotificationsModule, WorkerMetricsModule],
  providers: [ScheduleTickProcessor, ScheduleReconciler, MissedScheduleMonitor, ScheduleMissedNotifier],
  exports: [ScheduleMissedNotifier],
})
export class SchedulesWorkerModule {}
