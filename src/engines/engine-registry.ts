import { Injectable } from '@nestjs/common';
import type { EngineName } from './engine-name.js';
import type { DatabaseEngine } from './engine.js';
import { MysqlEngine } from './mysql.engine.js';
import { PostgresEngine } from './postgres.engine.js';

@Injectable()
export class EngineRegistry {
  private readonly engines: Map<EngineName, DatabaseEngine>;

  constructor(postgres: PostgresEngine, mysql: MysqlEngine) {
    // MariaDB and MySQL share the dump format and tools.
    this.engines = new Map<EngineName, DatabaseEngine>([
      ['postgres', postgres],
      ['mysql', mysql],
      ['mariadb', mysql],
    ]);
  }

  get(name: EngineName): DatabaseEngine {
    const engine = this.engines.get(name);
    if (!engine) throw new Error(`Unsupported engine: ${name}`);
    return engine;
  }
}
