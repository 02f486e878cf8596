import { Injectable } from '@nestjs/common';
import type { EngineName } from '../databases/database.entity.js';
import type { DatabaseEngine } from './engine.js';
import { PostgresEngine } from './postgres.engine.js';

@Injectable()
export class EngineRegistry {
  private readonly engines: Map<EngineName, DatabaseEngine>;

  constructor(postgres: PostgresEngine) {
    this.engines = new Map<EngineName, DatabaseEngine>([[postgres.name, postgres]]);
  }

  get(name: EngineName): DatabaseEngine {
    const engine = this.engines.get(name);
    if (!engine) throw new Error(`Unsupported engine: ${name}`);
    return engine;
  }
}
