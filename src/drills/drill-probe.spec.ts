import { describe, expect, it } from '@jest/globals';
import { judgeProbe, multipleStatementsProblem } from './drill-probe.js';

describe('multipleStatementsProblem', () => {
  it.each([
    'select 1',
    'select 1;',
    'select 1 ;  \n',
    "select ';' as semicolon",
    "select 'it''s; fine'",
    'select "a;b" from t',
    'select `a;b` from t',
    'select 1 -- trailing; comment\n',
    'select /* a; b */ 1',
    'select $$a;b$$',
    'select $tag$ a; b $tag$',
    "select 'back\\'slash;'",
  ])('accepts %j', (sql) => {
    expect(multipleStatementsProblem(sql)).toBeNull();
  });

  it.each([
    ['select 1; select 2', 'the probe must be one statement (no ";" except at the end)'],
    ['select 1;;', 'the probe must be one statement (no ";" except at the end)'],
    ["select 'open", 'the probe has an unterminated quote or comment'],
    ['select /* open', 'the probe has an unterminated quote or comment'],
    ['select $x$ open', 'the probe has an unterminated quote or comment'],
    ['  ;  ', 'the probe is empty'],
  ])('refuses %j', (sql, problem) => {
    expect(multipleStatementsProblem(sql)).toBe(problem);
  });
});

describe('judgeProbe', () => {
  const probe = (op: '>' | '>=' | '<' | '<=' | '=' | '!=', value: number | string) => ({ sql: 'select 1', expect: { op, value } });

  it('compares numbers numerically', () => {
    expect(judgeProbe(probe('>', 9), '10')).toEqual({ passed: true, value: '10', reason: null });
    expect(judgeProbe(probe('>', 10), '9')).toEqual({ passed: false, value: '9', reason: 'the probe returned 9; expected > 10' });
    expect(judgeProbe(probe('=', 1.5), '1.50')).toMatchObject({ passed: true });
    expect(judgeProbe(probe('!=', 0), '0')).toMatchObject({ passed: false });
    expect(judgeProbe(probe('<=', 3), '3')).toMatchObject({ passed: true });
  });

  it('compares text as text, and a number against text that is not one as text', () => {
    expect(judgeProbe(probe('=', 'ok'), 'ok')).toMatchObject({ passed: true });
    expect(judgeProbe(probe('=', 1), 'one')).toMatchObject({ passed: false });
    expect(judgeProbe(probe('>=', '2024-01-01'), '2024-06-01')).toMatchObject({ passed: true });
  });

  it('fails when there is no value', () => {
    expect(judgeProbe(probe('>', 0), null)).toEqual({ passed: false, value: null, reason: 'the probe returned no value; expected > 0' });
  });
});
