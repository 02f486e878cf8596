import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupCommandsModule } from '../backups/backup-commands.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { DrillRecordsModule } from '../drills/drill-records.module.js';
import { ScheduleSchedulers } from './schedule-schedulers.js';
import { ScheduleEntity } from './schedule.entity.js';
import { SchedulesRepository } from './schedules.repository.js';
import { SchedulesService } from './schedules.service.js';
import { QueueModule } from '../core/queue/queue.module.js';

/** Schedules and their BullMQ job schedulers, for the API and the workers. The HTTP side is SchedulesApiModule. */
@Module({
  imports: [QueueModule, TypeOrmModule.forFeature([ScheduleEntity]), DatabasesModule, BackupCommandsModule, DrillRecordsModule],
  providers: [SchedulesRepository, SchedulesService, ScheduleSchedulers],
  exports: [SchedulesRepository, SchedulesService, ScheduleSchedulers],
})
export class SchedulesModule {}
