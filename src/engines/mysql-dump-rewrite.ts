import { LinePiecesTransform } from './line-pieces-transform.js';

/** A definer account as the catalog records it. */
export interface MysqlAccount {
  user: string;
  host: string;
}

export interface DumpRewriteOptions {
  /** The database the dump was taken from: `nextval(\`src\`.…)` qualifiers naming it are removed. */
  sourceDatabase: string | null;
  /** Definers to replace by CURRENT_USER: every one (`all`), or these accounts. */
  definers: 'all' | MysqlAccount[];
}

/** Lines this long that are not data are passed on unchanged: no DEFINER clause or column default is that long. */
const MAX_REWRITTEN_LINE_BYTES = 1024 * 1024;
/** Enough bytes to tell a data line ("INSERT INTO " or a "(" row) from a statement line. */
const CLASSIFY_BYTES = 12;

/** A string of the UTF-8 bytes of `text`, one char per byte, to match against lines decoded as latin1. */
function bytesOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function backquote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** `u`@`h`, the form mariadb-dump writes after DEFINER=. */
export function definerClause({ user, host }: MysqlAccount): string {
  return `${backquote(user)}@${backquote(host)}`;
}

/**
 * A pattern matching the sequence functions qualified with `database`: `nextval(\`db\`.`, `lastval(`, `setval(`,
 * `NEXT VALUE FOR \`db\`.` and `PREVIOUS VALUE FOR \`db\`.` (the server stores a column default or a view's
 * sequence reference qualified with the database it was created in). Matches latin1-decoded bytes, or text.
 */
export function sequenceQualifierPattern(database: string, encoding: 'latin1-bytes' | 'text' = 'latin1-bytes'): RegExp {
  const quoted = backquote(database);
  const name = escapeRegExp(encoding === 'text' ? quoted : bytesOf(quoted));
  return new RegExp(`((?:\\b(?:nextval|lastval|setval)\\(\\s*)|(?:\\b(?:NEXT|PREVIOUS) VALUE FOR\\s+))${name}\\.(?=\`)`, 'gi');
}

const DEFINER_CLAUSE = /DEFINER=(`(?:[^`]|``)*`@`(?:[^`]|``)*`)/g;

/** Rewrites one statement line (latin1-decoded): sequence qualifiers and the chosen definers. */
export function rewriteStatementLine(line: string, sequencePattern: RegExp | null, definers: 'all' | Set<string>): string {
  let result = sequencePattern ? line.replace(sequencePattern, '$1') : line;
  if (definers === 'all' || definers.size > 0) {
    result = result.replace(DEFINER_CLAUSE, (clause, account: string) =>
      definers === 'all' || definers.has(account) ? 'DEFINER=CURRENT_USER' : clause,
    );
  }
  return result;
}

function isDataLine(start: Buffer): boolean {
  return start[0] === 0x28 /* ( */ || start.subarray(0, CLASSIFY_BYTES).toString('latin1') === 'INSERT INTO ';
}

type LineMode = 'start' | 'data' | 'statement' | 'long';

/**
 * Rewrites a mariadb-dump SQL stream line by line with bounded memory. Data lines (INSERT and its row lines, in
 * which mariadb-dump escapes every newline) stream through untouched; other lines (CREATE TABLE columns, DEFINER
 * clauses of views, triggers, routines and events) are held until their end, up to 1 MiB, and rewritten:
 * sequence defaults lose the source database's qualifier so they resolve to the database restored into, and the
 * chosen DEFINER accounts become CURRENT_USER.
 */
export class MysqlDumpRewriter extends LinePiecesTransform {
  private mode: LineMode = 'start';
  private held: Buffer[] = [];
  private heldBytes = 0;
  private readonly sequencePattern: RegExp | null;
  private readonly definers: 'all' | Set<string>;

  constructor(options: DumpRewriteOptions) {
    super();
    this.sequencePattern = options.sourceDatabase ? sequenceQualifierPattern(options.sourceDatabase) : null;
    this.definers = options.definers === 'all' ? 'all' : new Set(options.definers.map((account) => bytesOf(definerClause(account))));
  }

  protected override finish(): void {
    if (this.heldBytes > 0) this.releaseHeld(this.mode === 'statement');
  }

  protected override acceptPiece(piece: Buffer, endsLine: boolean): void {
    if (this.mode === 'data' || this.mode === 'long') {
      this.push(piece);
    } else {
      this.held.push(piece);
      this.heldBytes += piece.length;
      if (this.mode === 'start' && (this.heldBytes >= CLASSIFY_BYTES || endsLine)) this.classify();
      if (this.mode === 'statement' && this.heldBytes > MAX_REWRITTEN_LINE_BYTES) {
        this.releaseHeld(false);
        this.mode = 'long';
      }
    }
    if (endsLine) {
      if (this.heldBytes > 0) this.releaseHeld(this.mode === 'statement');
      this.mode = 'start';
    }
  }

  private classify(): void {
    if (isDataLine(Buffer.concat(this.held))) {
      this.releaseHeld(false);
      this.mode = 'data';
    } else {
      this.mode = 'statement';
    }
  }

  private releaseHeld(rewrite: boolean): void {
    const line = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    if (!rewrite) {
      this.push(line);
      return;
    }
    const text = line.toString('latin1');
    const rewritten = rewriteStatementLine(text, this.sequencePattern, this.definers);
    this.push(rewritten === text ? line : Buffer.from(rewritten, 'latin1'));
  }
}
