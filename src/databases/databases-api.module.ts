import { Module } from '@nestjs/common';
import { DatabasesController } from './databases.controller.js';
import { DatabasesModule } from './databases.module.js';

/** API side: /databases (GET /databases/:id, which shows schedules, is the schedules room's). */
@Module({
  imports: [DatabasesModule],
  controllers: [DatabasesController],
})
export class DatabasesApiModule {}
