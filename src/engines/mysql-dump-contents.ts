import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveObject } from './engine.js';

/** Only the start of each line is kept: a statement names its object at once, and data lines can be huge. */
const KEPT_LINE_BYTES = 4096;
const NEWLINE = 0x0a;

/** A quoted identifier, or an unquoted one (a trigger's statement is dumped as its author wrote it). */
const IDENTIFIER = '(?:`(?:[^`]|``)+`|[\\w$\\u0080-\\uffff]+)';
/** The object's name, possibly after its database: captured as written. */
const NAME = `(?:${IDENTIFIER}\\s*\\.\\s*)?(${IDENTIFIER})`;
const ACCOUNT_PART = '(?:`(?:[^`]|``)*`|\'(?:[^\']|\'\')*\'|[^\\s@`\']+)';
/**
 * A CREATE statement's first line, version comments removed: `CREATE [OR REPLACE] [ALGORITHM=…] [DEFINER=…]
 * [SQL SECURITY …] <kind> [IF NOT EXISTS] \`name\``.
 */
const CREATE_LINE = new RegExp(
  '^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:ALGORITHM\\s*=\\s*\\w+\\s+)?' +
    `(?:DEFINER\\s*=\\s*${ACCOUNT_PART}(?:@${ACCOUNT_PART})?\\s+)?` +
    '(?:SQL\\s+SECURITY\\s+\\w+\\s+)?' +
    '(TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER|EVENT|SEQUENCE)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?' +
    NAME,
  'i',
);
/** `/*!50003 ` openings and `*\/` closings of MySQL's versioned comments, which wrap parts of these statements. */
const VERSION_COMMENT = /\/\*!\d*\s?|\*\//g;
const DELIMITER_LINE = /^DELIMITER\s+(\S+)/i;
/** Routines, triggers and events have bodies, which may hold CREATE statements of their own: those are skipped. */
const WITH_BODY = new Set(['procedure', 'function', 'trigger', 'event']);

/**
 * Scans a mariadb-dump/mysqldump SQL dump line by line, keeping only the first bytes of each line, and lists what
 * it creates: tables, views, procedures, functions, triggers, events and sequences (MariaDB). mariadb-dump writes a
 * placeholder for each view before the tables it uses (a table or a view of constants), replaced at the end: the
 * name is listed once, as the view.
 */
export class MysqlDumpContentsScanner {
  private readonly found = new Map<string, ArchiveObject>();
  private delimiter = ';';
  private inBody = false;
  /** The first lines of a CREATE statement that names its object on a later line (views: ALGORITHM, DEFINER, VIEW). */
  private pending: string[] = [];

  /** Reads `dump` to its end and returns the objects it creates, in the order they first appear. */
  async scan(dump: Readable, signal: AbortSignal): Promise<ArchiveObject[]> {
    let line: Buffer[] = [];
    let kept = 0;
    const take = (part: Buffer) => {
      const room = KEPT_LINE_BYTES - kept;
      if (room <= 0) return;
      const piece = part.subarray(0, room);
      line.push(piece);
      kept += piece.length;
    };
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        let start = 0;
        for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
          take(chunk.subarray(start, end));
          this.readLine(Buffer.concat(line).toString('utf8'));
          line = [];
          kept = 0;
          start = end + 1;
        }
        take(chunk.subarray(start));
        callback();
      },
    });
    await pipeline(dump, sink, { signal });
    if (kept > 0) this.readLine(Buffer.concat(line).toString('utf8'));
    return [...this.found.values()];
  }

  /** One line of the dump (or its first bytes). */
  readLine(raw: string): void {
    const delimiter = DELIMITER_LINE.exec(raw);
    if (delimiter) {
      this.delimiter = delimiter[1]!;
      this.inBody = false;
      return;
    }
    const line = raw.replace(VERSION_COMMENT, ' ').trim();
    if (this.inBody) {
      this.inBody = !this.endsStatement(line);
      return;
    }
    const statement = [...this.pending, line].join(' ');
    this.pending = [];
    const created = CREATE_LINE.exec(statement);
    if (!created) {
      if (/^CREATE\b/i.test(statement) && !this.endsStatement(statement) && statement.length < KEPT_LINE_BYTES) {
        this.pending = [statement];
      }
      return;
    }
    const kind = created[1]!.toLowerCase();
    const name = unquote(created[2]!);
    this.add(kind, name);
    if (WITH_BODY.has(kind)) this.inBody = !this.endsStatement(statement);
  }

  private endsStatement(statement: string): boolean {
    return statement.endsWith(this.delimiter);
  }

  /** A view replaces the placeholder table of the same name; a table never replaces a view. */
  private add(kind: string, name: string): void {
    const key = `${kind === 'view' ? 'table' : kind}:${name}`;
    const existing = this.found.get(key);
    if (existing?.kind === 'view') return;
    if (kind === 'view') this.found.delete(key);
    this.found.set(key, { kind, schema: null, name });
  }
}

/** `na``me` → na`me; an unquoted name as it is. */
function unquote(identifier: string): string {
  return identifier.startsWith('`') ? identifier.slice(1, -1).replace(/``/g, '`') : identifier;
}

/** Lists what a MySQL/MariaDB dump creates (see MysqlDumpContentsScanner), streamed. */
export function scanMysqlDumpContents(dump: Readable, signal: AbortSignal): Promise<ArchiveObject[]> {
  return new MysqlDumpContentsScanner().scan(dump, signal);
}
