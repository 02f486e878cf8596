import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BackupsModule } from '../backups/backups.module.js';
import { DatabasesModule } from '../databases/databases.module.js';
import { RestoreEntity } from './restore.entity.js';
import { RestoresController } from './restores.controller.js';
import { RestoresService } from './restores.service.js';

/** API side of restores. */
@Module({
  imports: [TypeOrmModule.forFeature([RestoreEntity]), BackupsModule, DatabasesModule],
  controllers: [RestoresController],
  providers: [RestoresService],
})
export class RestoresModule {}
