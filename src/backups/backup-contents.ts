import { finishedEventKey } from '../core/database/fenced-records.js';
import type { BackupManifest } from '../engines/backup-catalog.js';
import type { ArchiveObject } from '../engines/engine.js';

/** Listing reads the whole file (its checksum is checked to the end); past this it counts as failed. */
export const CONTENTS_TIMEOUT_MS = 30 * 60 * 1000;

/** One object of GET /backups/:id/contents; a table has its row count from the backup's manifest. */
export interface ContentsObject extends ArchiveObject {
  rows?: number;
}

/** What a list-contents job returns (its BullMQ return value): the objects, or why the file could not be read. */
export type ContentsJobResult =
  | { outcome: 'listed'; objects: ContentsObject[] }
  | { outcome: 'unreadable'; reason: string; corrupt: boolean }
  | { outcome: 'no-file'; status: string };

/** Announced by the worker once the list-contents job `jobId` has its result. */
export function contentsListedKey(jobId: string): string {
  return finishedEventKey('Contents', jobId);
}

/** Announced by the API when the client waiting on the list-contents job `jobId` went away: the worker stops it. */
export function contentsCancelledKey(jobId: string): string {
  return finishedEventKey('Contents-cancelled', jobId);
}

/** The order kinds are listed in; kinds not named here come after, alphabetically. */
const KIND_ORDER = [
  'schema',
  'extension',
  'table',
  'foreign table',
  'view',
  'materialized view',
  'sequence',
  'type',
  'domain',
  'function',
  'procedure',
  'aggregate',
  'trigger',
  'event trigger',
  'event',
  'index',
  'constraint',
  'foreign key',
  'policy',
  'rule',
  'publication',
];

function kindRank(kind: string): number {
  const rank = KIND_ORDER.indexOf(kind);
  return rank < 0 ? KIND_ORDER.length : rank;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By kind (schemas, tables, views, … first), then schema, then name. */
export function compareContentsObjects(a: ArchiveObject, b: ArchiveObject): number {
  return (
    kindRank(a.kind) - kindRank(b.kind) ||
    compareText(a.kind, b.kind) ||
    compareText(a.schema ?? '', b.schema ?? '') ||
    compareText(a.name, b.name)
  );
}

/** The manifest's key of a table: "schema.table" (PostgreSQL) or "table" (MySQL). */
function manifestKey({ schema, name }: ArchiveObject): string {
  return schema === null ? name : `${schema}.${name}`;
}

/**
 * The archive's objects, sorted, each table with its row count from the manifest (counted in the dump's snapshot);
 * without a manifest (a backup taken before catalogs were recorded) tables have no count.
 */
export function describeContents(objects: ArchiveObject[], manifest: BackupManifest | null): ContentsObject[] {
  return objects
    .map((object): ContentsObject => {
      const rows = object.kind === 'table' ? manifest?.tables[manifestKey(object)] : undefined;
      return rows === undefined ? { ...object } : { ...object, rows };
    })
    .sort(compareContentsObjects);
}
