import { Module } from '@nestjs/common';
import { ProcessModule } from '../core/process/process.module.js';
import { EngineRegistry } from './engine-registry.js';
import { PgTools } from './pg-tools.js';
import { MysqlEngine } from './mysql.engine.js';
import { PostgresEngine } from './postgres.engine.js';

@Module({
  imports: [ProcessModule],
  providers: [PgTools, PostgresEngine, MysqlEngine, EngineRegistry],
  exports: [EngineRegistry],
})
export class EnginesModule {}
