import type { EngineName } from '../engines/engine-name.js';

/** MySQL and MariaDB dumps restore into each other; PostgreSQL only into PostgreSQL. */
export function engineFamily(engine: EngineName): 'postgres' | 'mysql' {
  return engine === 'postgres' ? 'postgres' : 'mysql';
}
