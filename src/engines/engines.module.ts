import { Global, Module } from '@nestjs/common';
import { ProcessRunner } from '../core/process/process-runner.js';
import { SecretFilesSweeper } from '../core/process/secret-files-sweeper.service.js';
import { EngineRegistry } from './engine-registry.js';
import { PgTools } from './pg-tools.js';
import { MysqlEngine } from './mysql.engine.js';
import { PostgresEngine } from './postgres.engine.js';

@Global()
@Module({
  providers: [ProcessRunner, SecretFilesSweeper, PgTools, PostgresEngine, MysqlEngine, EngineRegistry],
  exports: [EngineRegistry, ProcessRunner],
})
export class EnginesModule {}
