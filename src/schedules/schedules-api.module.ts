import { Module } from '@nestjs/common';
import { DatabasesModule } from '../databases/databases.module.js';
import { DrillRecordsModule } from '../drills/drill-records.module.js';
import { DatabaseDetailsController } from './database-details.controller.js';
import { DrillSchedulesController } from './drill-schedules.controller.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesModule } from './schedules.module.js';

/** API side: /databases/:databaseId/schedules and /drill-schedules, and GET /databases/:id with its schedules summary. */
@Module({
  imports: [SchedulesModule, DatabasesModule, DrillRecordsModule],
  controllers: [SchedulesController, DrillSchedulesController, DatabaseDetailsController],
})
export class SchedulesApiModule {}
