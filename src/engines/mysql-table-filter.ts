import { LinePiecesTransform } from './line-pieces-transform.js';

/**
 * Partial restores of MySQL/MariaDB dumps: a streamed filter over the decompressed dump that keeps only the named
 * tables' statements (structure, rows, triggers), optionally under new names, with bounded memory.
 *
 * mariadb-dump (as this service runs it, comments on) writes each table in two sections, headed by
 * "-- Table structure for table `t`" and "-- Dumping data for table `t`"; the table's triggers follow its rows in
 * the data section. Views, routines and events have sections of their own, which are dropped. The preamble before
 * the first section only sets session variables and is kept.
 *
 * In a kept table: `DROP TABLE IF EXISTS` is dropped (a partial restore never drops anything), foreign keys are
 * removed from CREATE TABLE (they reference other tables, which the target may not hold, and their names are
 * unique per database), and without data the INSERTs and their DISABLE/ENABLE KEYS go too. A renamed table has its
 * name rewritten in the statement headers only (CREATE TABLE, INSERT INTO, LOCK TABLES, ALTER TABLE … KEYS,
 * CREATE TRIGGER … ON), never in data; its triggers are renamed too (see renamedTrigger), trigger names being
 * unique per database.
 */

export interface TableFilterOptions {
  /** The tables to keep, by their name in the dump, each with the name it is restored under (itself if not renamed). */
  tables: ReadonlyMap<string, string>;
  /** Keep the rows; false keeps only the definitions (and triggers). */
  data: boolean;
}

/** Statement lines are held whole up to this size to be read; longer ones pass (or are dropped) unread. */
const MAX_HELD_LINE_BYTES = 1024 * 1024;
/** Enough bytes to read a data line's header: "INSERT INTO `<64 characters, up to 4 bytes each, quotes doubled>`". */
const DATA_HEADER_BYTES = 12 + 2 + 64 * 4 * 2;
const MAX_IDENTIFIER_CHARS = 64;

/** A backquoted identifier, or an unquoted one (a trigger's statement is dumped as its author wrote it). */
const IDENTIFIER = '(?:`(?:[^`]|``)+`|[\\w$\\u0080-\\u00ff]+)';
const SECTION_HEADER = /^-- (Table structure for table|Dumping data for table|Temporary table structure for view|Final view structure for view|Dumping events for database|Dumping routines for database|Table structure for view) /;
const TABLE_SECTION = new RegExp(`^-- (?:Table structure|Dumping data) for table (\`(?:[^\`]|\`\`)+\`)\\s*$`);
const DELIMITER_LINE = /^DELIMITER\s+(\S+)/i;
const DROP_TABLE = /^DROP TABLE IF EXISTS /;
const CREATE_TABLE = new RegExp(`^(CREATE TABLE )(${IDENTIFIER})`);
const FOREIGN_KEY = /^\s*CONSTRAINT\s+`(?:[^`]|``)+`\s+FOREIGN KEY\b/i;
const KEYS_STATEMENT = new RegExp(`^(/\\*!40000 ALTER TABLE )(${IDENTIFIER})( (?:DIS|EN)ABLE KEYS \\*/;)`);
const LOCK_TABLES = new RegExp(`^(LOCK TABLES )(${IDENTIFIER})`);
const UNLOCK_TABLES = /^UNLOCK TABLES;/;
const INSERT_INTO = new RegExp(`^(INSERT (?:IGNORE )?INTO )(${IDENTIFIER})`);
const TRIGGER_HEADER = new RegExp(
  `(TRIGGER\\s+)(${IDENTIFIER})(\\s+(?:BEFORE|AFTER)\\s+(?:INSERT|UPDATE|DELETE)\\s+ON\\s+)((?:${IDENTIFIER}\\s*\\.\\s*)?${IDENTIFIER})` +
    `(\\s+FOR\\s+EACH\\s+ROW\\s+(?:(?:FOLLOWS|PRECEDES)\\s+(${IDENTIFIER}))?)?`,
  'i',
);

/** A string of the UTF-8 bytes of `text`, one char per byte, to match against lines decoded as latin1. */
function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function textOf(latin1Bytes: string): string {
  return Buffer.from(latin1Bytes, 'latin1').toString('utf8');
}

function backquote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `na``me` → na`me; an unquoted name as it is; `db`.`t` → t. Works on text or latin1 bytes alike. */
function unquote(identifier: string): string {
  const parts = identifier.match(new RegExp(IDENTIFIER, 'g')) ?? [identifier];
  const last = parts[parts.length - 1]!;
  return last.startsWith('`') ? last.slice(1, -1).replace(/``/g, '`') : last;
}

/**
 * The name a trigger of a renamed table gets: the old table's name inside it replaced by the new one
 * (`orders_label` of `orders` → `orders_yesterday_label`), else the new table's name and "_" before it.
 */
export function renamedTrigger(trigger: string, table: string, renamedTo: string): string {
  const name = trigger.includes(table) ? trigger.replace(table, renamedTo) : `${renamedTo}_${trigger}`;
  if ([...name].length > MAX_IDENTIFIER_CHARS) {
    throw new Error(`Trigger ${trigger} of ${table} cannot be renamed for ${renamedTo}: ${name} is longer than 64 characters`);
  }
  return name;
}

type Section = { kind: 'preamble' } | { kind: 'skipped' } | { kind: 'structure' | 'data'; table: string; renamedTo: string };
type LineMode = 'start' | 'data' | 'statement' | 'long';

export class MysqlTableFilter extends LinePiecesTransform {
  private section: Section = { kind: 'preamble' };
  private delimiter = ';';
  private mode: LineMode = 'start';
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** A kept table's CREATE TABLE, held from its first line to its ")" line, to take its foreign keys out. */
  private createTable: string[] | null = null;
  /** Triggers renamed so far: old name → new name (for FOLLOWS / PRECEDES). */
  private readonly triggers = new Map<string, string>();
  private readonly tables: Map<string, string>;

  constructor(private readonly options: TableFilterOptions) {
    super();
    this.tables = new Map([...options.tables].map(([name, renamedTo]) => [bytesOf(name), bytesOf(renamedTo)]));
  }

  protected override finish(): void {
    if (this.heldBytes > 0) this.endHeldLine();
    if (this.createTable) this.push(Buffer.from(this.createTable.join(''), 'latin1'));
  }

  private get inTable(): boolean {
    return this.section.kind === 'structure' || this.section.kind === 'data';
  }

  private get keepsRows(): boolean {
    return this.section.kind === 'data' && this.options.data;
  }

  protected override acceptPiece(piece: Buffer, endsLine: boolean): void {
    if (this.mode === 'data') {
      if (this.keepsRows) this.push(piece);
    } else if (this.mode === 'long') {
      if (this.section.kind !== 'skipped') this.push(piece);
    } else {
      this.held.push(piece);
      this.heldBytes += piece.length;
      if (this.mode === 'start' && (this.heldBytes >= DATA_HEADER_BYTES || endsLine)) this.classify();
      if (this.mode === 'statement' && this.heldBytes > MAX_HELD_LINE_BYTES) {
        const line = this.takeHeld();
        if (this.section.kind !== 'skipped') this.push(Buffer.from(line, 'latin1'));
        this.mode = 'long';
      }
    }
    if (endsLine) {
      if (this.heldBytes > 0) this.endHeldLine();
      this.mode = 'start';
    }
  }

  /** A data line (INSERT and its row lines) streams on once its header is read; any other line is held whole. */
  private classify(): void {
    const start = Buffer.concat(this.held).toString('latin1');
    if (this.section.kind === 'data' && this.delimiter === ';' && (start.startsWith('(') || INSERT_INTO.test(start))) {
      this.held = [];
      this.heldBytes = 0;
      if (this.keepsRows) this.push(Buffer.from(this.renameAt(start, INSERT_INTO), 'latin1'));
      this.mode = 'data';
    } else {
      this.mode = 'statement';
    }
  }

  private takeHeld(): string {
    const line = Buffer.concat(this.held).toString('latin1');
    this.held = [];
    this.heldBytes = 0;
    return line;
  }

  private endHeldLine(): void {
    const output = this.statementLine(this.takeHeld());
    if (output) this.push(Buffer.from(output, 'latin1'));
  }

  /** One whole statement line (latin1-decoded, with its "\n"): what goes out, '' for nothing. */
  private statementLine(line: string): string {
    const delimiter = DELIMITER_LINE.exec(line);
    if (delimiter) {
      this.delimiter = delimiter[1]!;
      return this.section.kind === 'skipped' ? '' : line;
    }
    // Section headers are comments between statements: never inside a routine's or trigger's body.
    if (this.delimiter === ';' && SECTION_HEADER.test(line)) this.enterSection(line);
    if (this.section.kind === 'preamble') return line;
    if (!this.inTable) return '';
    if (this.createTable) return this.inCreateTable(line);
    if (this.section.kind === 'structure') return this.structureLine(line);
    return this.dataSectionLine(line);
  }

  private enterSection(header: string): void {
    const table = TABLE_SECTION.exec(header);
    const name = table ? unquote(table[1]!) : null;
    const renamedTo = name === null ? undefined : this.tables.get(name);
    if (name !== null && renamedTo !== undefined) {
      this.section = { kind: header.startsWith('-- Table structure') ? 'structure' : 'data', table: name, renamedTo };
    } else {
      this.section = { kind: 'skipped' };
    }
  }

  private structureLine(line: string): string {
    if (DROP_TABLE.test(line)) return '';
    if (CREATE_TABLE.test(line)) {
      this.createTable = [this.renameAt(line, CREATE_TABLE)];
      return '';
    }
    return line;
  }

  /** Lines of a held CREATE TABLE: its foreign keys are left out, and the comma before them if they were last. */
  private inCreateTable(line: string): string {
    const held = this.createTable!;
    if (!line.startsWith(')')) {
      if (!FOREIGN_KEY.test(line)) held.push(line);
      return '';
    }
    const lastIndex = held.length - 1;
    if (lastIndex > 0) held[lastIndex] = held[lastIndex]!.replace(/,(\r?\n)$/, '$1');
    this.createTable = null;
    return held.join('') + line;
  }

  private dataSectionLine(line: string): string {
    if (KEYS_STATEMENT.test(line)) return this.options.data ? this.renameAt(line, KEYS_STATEMENT) : '';
    if (LOCK_TABLES.test(line)) return this.options.data ? this.renameAt(line, LOCK_TABLES) : '';
    if (UNLOCK_TABLES.test(line)) return this.options.data ? line : '';
    if (this.delimiter !== ';') return this.triggerLine(line);
    return line;
  }

  /** The renamed table's name in place of the identifier `pattern` captures second (its first group is the prefix). */
  private renameAt(line: string, pattern: RegExp): string {
    if (this.section.kind !== 'structure' && this.section.kind !== 'data') return line;
    const { table, renamedTo } = this.section;
    if (table === renamedTo) return line;
    return line.replace(pattern, (match: string, prefix: string, name: string) => {
      if (unquote(name) !== table) return match;
      return match.replace(`${prefix}${name}`, `${prefix}${backquote(renamedTo)}`);
    });
  }

  /** A trigger's header: its name, its table's and a FOLLOWS/PRECEDES trigger's, for a renamed table. */
  private triggerLine(line: string): string {
    if (this.section.kind !== 'data' || this.section.table === this.section.renamedTo) return line;
    const { table, renamedTo } = this.section;
    return line.replace(
      TRIGGER_HEADER,
      (_match, before: string, trigger: string, on: string, _table: string, forEachRow: string | undefined, other: string | undefined) => {
        const oldName = unquote(trigger);
        const newName = bytesOf(renamedTrigger(textOf(oldName), textOf(table), textOf(renamedTo)));
        this.triggers.set(oldName, newName);
        let rest = forEachRow ?? '';
        if (other !== undefined) {
          const renamedOther = this.triggers.get(unquote(other));
          if (renamedOther !== undefined) rest = rest.replace(other, backquote(renamedOther));
        }
        return `${before}${backquote(newName)}${on}${backquote(renamedTo)}${rest}`;
      },
    );
  }
}
