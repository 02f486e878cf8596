import type { EngineName } from '../databases/database.entity.js';

/** MySQL and MariaDB dumps restore into each other; PostgreSQL only into PostgreSQL. */
export function engineFamily(engine: EngineName): 'postgres' | 'mysql' {
  return engine === 'postgres' ? 'postgres' : 'mysql';
}
