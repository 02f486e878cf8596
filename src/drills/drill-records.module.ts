import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DrillEntity } from './drill.entity.js';
import { DrillsRepository } from './drills.repository.js';
import { SandboxEntity } from './sandbox.entity.js';
import { SandboxesRepository } from './sandboxes.repository.js';
import { SandboxesService } from './sandboxes.service.js';

/** The drills and sandboxes tables, for the API, the workers, /metrics and GET /databases/:id. */
@Module({
  imports: [TypeOrmModule.forFeature([DrillEntity, SandboxEntity])],
  providers: [DrillsRepository, SandboxesRepository, SandboxesService],
  exports: [DrillsRepository, SandboxesRepository, SandboxesService],
})
export class DrillRecordsModule {}
