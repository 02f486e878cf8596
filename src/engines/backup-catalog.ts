/**
 * What a backup records beside its dump, and how a restored copy is checked against it.
 * Engine-neutral: each engine fills `details` with its own facts (database properties, the accounts the objects
 * need) and reads them back on restore.
 */

/** Counts taken from the source database, in the dump's own snapshot where the engine allows it. */
export interface BackupManifest {
  /**
   * Rows per table: "schema.table" for PostgreSQL, "table" for MySQL. A MariaDB system-versioned table also has
   * "table (history)", the rows of every version (`FOR SYSTEM_TIME ALL`).
   */
  tables: Record<string, number>;
  /** Objects per kind ("table", "view", "function", "trigger", "sequence", "index", "event", …). */
  objects: Record<string, number>;
  /** Sequence → its state as text (PostgreSQL: "last_value" or "last_value (not called)"; MariaDB: next value). */
  sequences: Record<string, string>;
  /** How the counts relate to the dump: "snapshot" (exactly what it holds), or a description of how close. */
  consistency: string;
}

/** The sidecar stored with every backup (same storage, checksum and encryption as the dump). */
export interface BackupCatalog {
  format: 1;
  engine: 'postgres' | 'mysql';
  manifest: BackupManifest;
  /** Columns or objects the dump tool is known to change; the backup still succeeds, but says so. */
  warnings: string[];
  /** Engine-specific facts (PostgreSQL: database properties, roles; MySQL: charset, collation, definers, rows). */
  details: unknown;
}

export interface ManifestDifference {
  kind: 'rows' | 'objects' | 'sequence';
  name: string;
  expected: number | string | null;
  actual: number | string | null;
}

/** What a restore checked, as shown on the restore record. */
export interface ManifestComparison {
  status: 'passed' | 'failed';
  tables: number;
  rows: number;
  objects: number;
  sequences: number;
  consistency: string;
  differences: ManifestDifference[];
}

function differencesIn<T extends number | string>(
  kind: ManifestDifference['kind'],
  expected: Record<string, T>,
  actual: Record<string, T>,
): ManifestDifference[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names
    .filter((name) => expected[name] !== actual[name])
    .map((name) => ({ kind, name, expected: expected[name] ?? null, actual: actual[name] ?? null }));
}

/** Compares a restored copy's counts with the backup's: every table, object kind and sequence must match. */
export function compareManifests(expected: BackupManifest, actual: BackupManifest): ManifestComparison {
  const differences = [
    ...differencesIn('rows', expected.tables, actual.tables),
    ...differencesIn('objects', expected.objects, actual.objects),
    ...differencesIn('sequence', expected.sequences, actual.sequences),
  ];
  return {
    status: differences.length === 0 ? 'passed' : 'failed',
    tables: Object.keys(expected.tables).length,
    rows: Object.values(expected.tables).reduce((sum, rows) => sum + rows, 0),
    objects: Object.values(expected.objects).reduce((sum, count) => sum + count, 0),
    sequences: Object.keys(expected.sequences).length,
    consistency: expected.consistency,
    differences,
  };
}

const SHOWN_DIFFERENCES = 10;

/** One line for the restore's error: the first differences, then how many more. */
export function describeDifferences(differences: ManifestDifference[]): string {
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map(({ kind, name, expected, actual }) => {
    const what = kind === 'rows' ? `${name} rows` : kind === 'objects' ? `${name} count` : `sequence ${name}`;
    return `${what}: expected ${expected ?? 'none'}, found ${actual ?? 'none'}`;
  });
  const more = differences.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** The manifest's tables ("schema.table") in `schemas`, sorted. */
export function tablesInSchemas(manifest: BackupManifest, schemas: readonly string[]): string[] {
  const prefixes = schemas.map((schema) => `${schema}.`);
  return Object.keys(manifest.tables)
    .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
    .sort();
}

/** Those of `schemas` that hold no table of the manifest (a schema is known to a manifest by its tables). */
export function schemasWithoutTables(manifest: BackupManifest, schemas: readonly string[]): string[] {
  return schemas.filter((schema) => tablesInSchemas(manifest, [schema]).length === 0);
}
