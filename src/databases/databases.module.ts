import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { DatabaseEntity } from './database.entity.js';
import { DatabasesController } from './databases.controller.js';
import { DatabasesService } from './databases.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([DatabaseEntity]), SchedulesModule],
  controllers: [DatabasesController],
  providers: [DatabasesService],
  exports: [DatabasesService],
})
export class DatabasesModule {}
