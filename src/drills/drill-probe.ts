/**
 * A drill's probe: one read-only SQL query run on the scratch copy, whose first column of the first row must meet
 * a condition, e.g. `{ "sql": "select count(*) from orders", "expect": { "op": ">", "value": 0 } }`.
 */
export const PROBE_OPERATORS = ['>', '>=', '<', '<=', '=', '!='] as const;
export type ProbeOperator = (typeof PROBE_OPERATORS)[number];

/** Longer probes are refused on input. */
export const PROBE_MAX_LENGTH = 4000;

export interface DrillProbe {
  sql: string;
  expect: { op: ProbeOperator; value: number | string };
}

export interface ProbeResult {
  passed: boolean;
  /** The first column of the first row, as text (null: no row, or SQL NULL). */
  value: string | null;
  /** Why it did not pass, when it did not. */
  reason: string | null;
}

/**
 * Why `sql` is not a single statement, or null when it is. Quotes ('…', "…", `…`, PostgreSQL $tag$…$tag$) and
 * comments are skipped; one trailing semicolon is allowed.
 */
export function multipleStatementsProblem(sql: string): string | null {
  const body = sql.trim().replace(/;\s*$/, '');
  if (body.length === 0) return 'the probe is empty';
  for (let index = 0; index < body.length; ) {
    const skipped = skipQuotedOrComment(body, index);
    if (skipped === -1) return 'the probe has an unterminated quote or comment';
    if (skipped > index) {
      index = skipped;
      continue;
    }
    if (body[index] === ';') return 'the probe must be one statement (no ";" except at the end)';
    index++;
  }
  return null;
}

/** The index after the quoted string or comment starting at `index`; `index` if none starts there; -1 if unterminated. */
function skipQuotedOrComment(text: string, index: number): number {
  const rest = text.slice(index);
  if (rest.startsWith('--') || rest.startsWith('#')) {
    const end = text.indexOf('\n', index);
    return end === -1 ? text.length : end + 1;
  }
  if (rest.startsWith('/*')) return endAfter(text, '*/', index + 2);
  const quote = text[index];
  if (quote === "'" || quote === '"' || quote === '`') return endOfQuoted(text, quote, index + 1);
  const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
  if (dollar) return endAfter(text, dollar[0], index + dollar[0].length);
  return index;
}

function endAfter(text: string, terminator: string, from: number): number {
  const end = text.indexOf(terminator, from);
  return end === -1 ? -1 : end + terminator.length;
}

/** A doubled quote or a backslash escapes (MySQL); PostgreSQL's standard strings only double, which this also covers. */
function endOfQuoted(text: string, quote: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    if (text[index] === '\\') {
      index++;
      continue;
    }
    if (text[index] !== quote) continue;
    if (text[index + 1] === quote) {
      index++;
      continue;
    }
    return index + 1;
  }
  return -1;
}

/** Judges the probe's value: numerically when both sides are numbers, as text otherwise. */
export function judgeProbe(probe: DrillProbe, value: string | null): ProbeResult {
  const expected = probe.expect.value;
  const shown = `${probe.expect.op} ${JSON.stringify(expected)}`;
  if (value === null) return { passed: false, value, reason: `the probe returned no value; expected ${shown}` };
  const numeric = typeof expected === 'number' && value.trim() !== '' && Number.isFinite(Number(value));
  const order = numeric ? Math.sign(Number(value) - (expected as number)) : value < String(expected) ? -1 : value > String(expected) ? 1 : 0;
  const passed = holds(probe.expect.op, order);
  return { passed, value, reason: passed ? null : `the probe returned ${value}; expected ${shown}` };
}

function holds(op: ProbeOperator, order: number): boolean {
  switch (op) {
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
  }
}
