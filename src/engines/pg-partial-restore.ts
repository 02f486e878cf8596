import { MULTI_WORD_KINDS } from './pg-archive-contents.js';

/**
 * Partial restores of a PostgreSQL archive: which entries of `pg_restore --list` make up the named tables. pg_restore
 * reads the filtered list with `--use-list`; the lines keep the archive's order, which a dump read from a pipe needs.
 *
 * The list itself does not say which table an index or a sequence belongs to: that comes from the entries' SQL
 * (`pg_restore --verbose --schema-only --file=-`, see tableOfEntries). Foreign keys are left out: they reference other tables,
 * which the target may not hold.
 */

/** One entry of `pg_restore --list`: "<dump id>; <catalog oid> <object oid> <desc> <schema or -> <tag> <owner>". */
export interface TocEntry {
  id: number;
  desc: string;
  schema: string | null;
  /** The entry's name: "invoice", "invoice pk_invoice" (a constraint), "TABLE invoice" (a comment or an ACL), … */
  tag: string;
}

const ENTRY_LINE = /^(\d+);\s+\d+\s+\d+\s+(.*)$/;

export function parseTocEntry(line: string): TocEntry | null {
  const entry = ENTRY_LINE.exec(line.trimStart());
  if (!entry) return null;
  const rest = entry[2]!;
  const desc = MULTI_WORD_KINDS.find((kind) => rest.startsWith(`${kind} `)) ?? rest.slice(0, rest.indexOf(' '));
  const afterDesc = rest.slice(desc.length + 1);
  const schemaEnd = afterDesc.indexOf(' ');
  if (schemaEnd < 0) return null;
  const schema = afterDesc.slice(0, schemaEnd);
  const tagAndOwner = afterDesc.slice(schemaEnd + 1);
  const ownerStart = tagAndOwner.lastIndexOf(' ');
  const tag = ownerStart < 0 ? tagAndOwner : tagAndOwner.slice(0, ownerStart);
  return { id: Number(entry[1]), desc, schema: schema === '-' ? null : schema, tag };
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`(${IDENT})\.(${IDENT})`;
const TOC_HEADER = /^-- TOC entry (\d+) .*\n(?:-- Dependencies: .*\n)?-- Name: .*; Type: ([A-Z ]+); Schema: ([^;]*);/gm;
const INDEX_ON = new RegExp(String.raw`CREATE (?:UNIQUE )?INDEX .*? ON (?:ONLY )?${QUALIFIED}`);
const IDENTITY_OF = new RegExp(String.raw`ALTER TABLE (?:ONLY )?${QUALIFIED} ALTER COLUMN .* ADD GENERATED`);
const SEQUENCE_OWNED_BY = new RegExp(String.raw`ALTER SEQUENCE ${QUALIFIED} OWNED BY ${QUALIFIED}\.${IDENT}`);

function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier;
}

function qualified(match: RegExpExecArray, at: number): string {
  return `${unquote(match[at]!)}.${unquote(match[at + 1]!)}`;
}

const REFERENCES = new RegExp(String.raw`\bREFERENCES ${QUALIFIED}`);

/** The SQL of each entry, under its "-- TOC entry <id>" header in `pg_restore --verbose --schema-only --file=-`. */
function entryChunks(schemaSql: string): Array<{ id: number; type: string; sql: string }> {
  const chunks: Array<{ id: number; type: string; sql: string }> = [];
  const headers = [...schemaSql.matchAll(TOC_HEADER)];
  headers.forEach((header, index) => {
    const end = headers[index + 1]?.index ?? schemaSql.length;
    chunks.push({ id: Number(header[1]), type: header[2]!.trim(), sql: schemaSql.slice(header.index, end) });
  });
  return chunks;
}

/** The table ("schema.table") each foreign key of the archive references, by dump id. */
export function referencedTables(schemaSql: string): Map<number, string> {
  const referenced = new Map<number, string>();
  for (const chunk of entryChunks(schemaSql)) {
    const references = chunk.type === 'FK CONSTRAINT' ? REFERENCES.exec(chunk.sql) : null;
    if (references) referenced.set(chunk.id, qualified(references, 1));
  }
  return referenced;
}

/**
 * The table ("schema.table") each index and each owned sequence of the archive belongs to, by dump id, read from the
 * SQL that `pg_restore --verbose --schema-only --file=-` prints (each entry under a "-- TOC entry <id>" header).
 */
export function tableOfEntries(schemaSql: string): Map<number, string> {
  const chunks = entryChunks(schemaSql);
  const sequenceOwners = new Map<string, string>();
  for (const chunk of chunks) {
    const owned = chunk.type === 'SEQUENCE OWNED BY' ? SEQUENCE_OWNED_BY.exec(chunk.sql) : null;
    if (owned) sequenceOwners.set(qualified(owned, 1), qualified(owned, 3));
  }
  const tables = new Map<number, string>();
  for (const chunk of chunks) {
    if (chunk.type === 'INDEX') {
      const on = INDEX_ON.exec(chunk.sql);
      if (on) tables.set(chunk.id, qualified(on, 1));
    } else if (chunk.type === 'SEQUENCE') {
      const identity = IDENTITY_OF.exec(chunk.sql);
      const created = new RegExp(String.raw`CREATE SEQUENCE ${QUALIFIED}`).exec(chunk.sql);
      const owner = identity ? qualified(identity, 1) : created ? sequenceOwners.get(qualified(created, 1)) : undefined;
      if (owner) tables.set(chunk.id, owner);
    }
  }
  return tables;
}

/** Entries whose tag starts with the table's name: "<table> <constraint>", "<table> <column>", … */
const TAG_STARTS_WITH_TABLE = new Set(['CONSTRAINT', 'TRIGGER', 'POLICY', 'RULE', 'DEFAULT', 'ROW SECURITY']);

/**
 * The lines of `pg_restore --list` to restore the named tables ("schema.table"): each table, its owned sequences,
 * its defaults, constraints (not foreign keys), indexes, triggers, policies, rules, comments and ACLs, and with
 * `data` its rows and its sequences' values. Order is kept.
 */
export function selectTocLines(listLines: string[], tableOf: Map<number, string>, tables: string[], data: boolean): string[] {
  const wanted = new Set(tables);
  const sequences = new Set<string>();
  const indexes = new Set<string>();
  const selected: string[] = [];
  const inTable = (schema: string | null, name: string) => schema !== null && wanted.has(`${schema}.${name}`);
  for (const line of listLines) {
    const entry = parseTocEntry(line);
    if (!entry) continue;
    const { desc, schema, tag } = entry;
    const firstWord = tag.split(' ')[0]!;
    let keep = false;
    if (desc === 'TABLE') keep = inTable(schema, tag);
    else if (desc === 'TABLE DATA') keep = data && inTable(schema, tag);
    else if (desc === 'SEQUENCE' || desc === 'INDEX') {
      keep = wanted.has(tableOf.get(entry.id) ?? '');
      if (keep) (desc === 'SEQUENCE' ? sequences : indexes).add(`${schema}.${tag}`);
    } else if (desc === 'SEQUENCE OWNED BY') keep = sequences.has(`${schema}.${tag}`);
    else if (desc === 'SEQUENCE SET') keep = data && sequences.has(`${schema}.${tag}`);
    else if (TAG_STARTS_WITH_TABLE.has(desc)) keep = inTable(schema, firstWord);
    else if (desc === 'COMMENT' || desc === 'ACL') keep = describesSelected(schema, tag, wanted, sequences, indexes);
    if (keep) selected.push(line);
  }
  return selected;
}

/** Data entries: left out when only definitions are restored. */
const DATA_KINDS = new Set(['TABLE DATA', 'SEQUENCE SET', 'MATERIALIZED VIEW DATA']);

/**
 * The lines of `pg_restore --list` to restore whole schemas: each schema, its comment and grants, and every entry in
 * it (with `data`, rows, sequence values and materialized views' contents), except foreign keys that reference a
 * table outside those schemas, which the target may not hold. Order is kept.
 */
export function selectSchemaTocLines(listLines: string[], references: Map<number, string>, schemas: string[], data: boolean): string[] {
  const wanted = new Set(schemas);
  const selected: string[] = [];
  for (const line of listLines) {
    const entry = parseTocEntry(line);
    if (!entry) continue;
    const { desc, schema, tag } = entry;
    let keep: boolean;
    if (schema === null) keep = (desc === 'SCHEMA' && wanted.has(tag)) || ((desc === 'COMMENT' || desc === 'ACL') && tag.startsWith('SCHEMA ') && wanted.has(tag.slice(7)));
    else if (!wanted.has(schema)) keep = false;
    else if (DATA_KINDS.has(desc)) keep = data;
    else if (desc === 'FK CONSTRAINT') keep = wanted.has((references.get(entry.id) ?? '').split('.')[0]!);
    else keep = true;
    if (keep) selected.push(line);
  }
  return selected;
}

/** The list for named tables and whole schemas together, in the archive's order, each line once. */
export function mergeTocLines(listLines: string[], ...selections: string[][]): string[] {
  const chosen = new Set(selections.flat());
  return listLines.filter((line) => chosen.has(line));
}

/** A comment's or an ACL's tag: "TABLE invoice", "COLUMN invoice.total", "SEQUENCE s", "INDEX i", "CONSTRAINT c ON invoice". */
function describesSelected(schema: string | null, tag: string, tables: Set<string>, sequences: Set<string>, indexes: Set<string>): boolean {
  if (schema === null) return false;
  const [kind, ...rest] = tag.split(' ');
  const name = rest.join(' ');
  if (kind === 'TABLE') return tables.has(`${schema}.${name}`);
  if (kind === 'COLUMN') return tables.has(`${schema}.${name.slice(0, name.lastIndexOf('.'))}`);
  if (kind === 'SEQUENCE') return sequences.has(`${schema}.${name}`);
  if (kind === 'INDEX') return indexes.has(`${schema}.${name}`);
  const on = / ON (.+)$/.exec(name);
  return (kind === 'CONSTRAINT' || kind === 'TRIGGER' || kind === 'POLICY' || kind === 'RULE') && on !== null && tables.has(`${schema}.${on[1]}`);
}
