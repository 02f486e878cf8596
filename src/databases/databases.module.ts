import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetModule } from '../core/net/net.module.js';
import { EnginesModule } from '../engines/engines.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { DatabaseEntity } from './database.entity.js';
import { DatabasesRepository } from './databases.repository.js';
import { DatabasesService } from './databases.service.js';

/** Registered databases, for the API and the workers. The HTTP side is DatabasesApiModule. */
@Module({
  imports: [TypeOrmModule.forFeature([DatabaseEntity]), EnginesModule, StorageModule, NetModule],
  providers: [DatabasesRepository, DatabasesService],
  exports: [DatabasesService],
})
export class DatabasesModule {}
