import type { ArchiveObject } from './engine.js';

/**
 * The entries of `pg_restore --list` that are objects a user would name, and the kind each is shown as. Data,
 * comments, ACLs, sequence values and settings are left out: they belong to an object listed here.
 */
const LISTED_KINDS: ReadonlyMap<string, string> = new Map([
  ['SCHEMA', 'schema'],
  ['EXTENSION', 'extension'],
  ['TABLE', 'table'],
  ['FOREIGN TABLE', 'foreign table'],
  ['VIEW', 'view'],
  ['MATERIALIZED VIEW', 'materialized view'],
  ['SEQUENCE', 'sequence'],
  ['FUNCTION', 'function'],
  ['PROCEDURE', 'procedure'],
  ['AGGREGATE', 'aggregate'],
  ['TYPE', 'type'],
  ['DOMAIN', 'domain'],
  ['INDEX', 'index'],
  ['TRIGGER', 'trigger'],
  ['EVENT TRIGGER', 'event trigger'],
  ['CONSTRAINT', 'constraint'],
  ['FK CONSTRAINT', 'foreign key'],
  ['POLICY', 'policy'],
  ['RULE', 'rule'],
  ['PUBLICATION', 'publication'],
]);

/** Every entry kind pg_dump writes that has a space in it, longest first, so "TABLE DATA" is never read as "TABLE". */
export const MULTI_WORD_KINDS = [
  'MATERIALIZED VIEW DATA',
  'SEQUENCE OWNED BY',
  'MATERIALIZED VIEW',
  'LARGE OBJECT',
  'FOREIGN TABLE',
  'FK CONSTRAINT',
  'EVENT TRIGGER',
  'DEFAULT ACL',
  'TABLE DATA',
  'SEQUENCE SET',
  'TEXT SEARCH CONFIGURATION',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE',
  'FOREIGN DATA WRAPPER',
  'USER MAPPING',
  'ROW SECURITY',
  'SERVER',
  'OPERATOR CLASS',
  'OPERATOR FAMILY',
  'PUBLICATION TABLE',
  'PUBLICATION TABLES IN SCHEMA',
  'ACCESS METHOD',
  'BLOB METADATA',
].sort((a, b) => b.length - a.length);

/** An entry line: "<dump id>; <catalog oid> <object oid> <kind, schema, name, owner>". */
const ENTRY_LINE = /^\d+;\s+\d+\s+\d+\s+(.*)$/;

/**
 * One line of `pg_restore --list`, as pg_dump's archiver prints it (`<kind> <schema or -> <name> <owner>`, the owner
 * empty for an extension): the object it names, or null for a comment line or an entry that is not listed.
 */
export function parsePgContentsLine(line: string): ArchiveObject | null {
  const entry = ENTRY_LINE.exec(line.trimStart());
  if (!entry) return null;
  const rest = entry[1]!;
  const desc = MULTI_WORD_KINDS.find((kind) => rest.startsWith(`${kind} `)) ?? rest.slice(0, rest.indexOf(' '));
  const kind = LISTED_KINDS.get(desc);
  if (!kind) return null;
  const afterDesc = rest.slice(desc.length + 1);
  const schemaEnd = afterDesc.indexOf(' ');
  if (schemaEnd < 0) return null;
  const schema = afterDesc.slice(0, schemaEnd);
  // The owner is the last word (empty when there is none); the name is everything between.
  const nameAndOwner = afterDesc.slice(schemaEnd + 1);
  const ownerStart = nameAndOwner.lastIndexOf(' ');
  const name = ownerStart < 0 ? nameAndOwner : nameAndOwner.slice(0, ownerStart);
  if (!name) return null;
  return { kind, schema: schema === '-' ? null : schema, name };
}
