import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseEntity } from './database.entity.js';
import { DatabasesController } from './databases.controller.js';
import { DatabasesService } from './databases.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([DatabaseEntity])],
  controllers: [DatabasesController],
  providers: [DatabasesService],
  exports: [DatabasesService],
})
export class DatabasesModule {}
