import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseEntity } from '../databases/database.entity.js';
import { ScheduleSchedulers } from './schedule-schedulers.js';
import { ScheduleEntity } from './schedule.entity.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesService } from './schedules.service.js';

/** API side: /databases/:databaseId/schedules. Also gives GET /databases/:id its schedules summary. */
@Module({
  imports: [TypeOrmModule.forFeature([ScheduleEntity, DatabaseEntity])],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleSchedulers],
  exports: [SchedulesService, ScheduleSchedulers],
})
export class SchedulesModule {}
