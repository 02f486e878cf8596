import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RestoreEntity } from './restore.entity.js';
import { RestoresRepository } from './restores.repository.js';

/** The restores table's repository, for the workers and for /metrics. */
@Module({
  imports: [TypeOrmModule.forFeature([RestoreEntity])],
  providers: [RestoresRepository],
  exports: [RestoresRepository],
})
export class RestoreRecordsModule {}
