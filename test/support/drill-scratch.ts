import { withClient } from './postgres.js';

/**
 * Every scratch database of a drill, whatever its attempt. Named by drill id and request time: other runs on the
 * shared server have drills of the same id.
 */
export async function scratchDatabasesOfDrill(metadataDatabase: string, drillId: string): Promise<string[]> {
  const drill = await withClient(metadataDatabase, (c) => c.query<{ requested_at: Date }>('SELECT requested_at FROM drills WHERE id = $1', [drillId]));
  const prefix = `dbbackup_drill_${drillId}_${drill.rows[0]!.requested_at.getTime().toString(36)}_`;
  return databasesNamed((name) => name.startsWith(prefix));
}

/** The databases of the shared server whose names pass `keep`, sorted. */
export async function databasesNamed(keep: (name: string) => boolean): Promise<string[]> {
  const { rows } = await withClient('postgres', (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1'));
  return rows.map((row) => row.datname).filter(keep);
}
