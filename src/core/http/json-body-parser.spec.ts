import { describe, expect, it } from '@jest/globals';
import { jsonNestsDeeperThan } from './json-body-parser.js';

describe('jsonNestsDeeperThan', () => {
  it('counts nested arrays and objects', () => {
    expect(jsonNestsDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(jsonNestsDeeperThan(`${'['.repeat(5000)}${']'.repeat(5000)}`, 32)).toBe(true);
  });

  it('counts depth, not the number of siblings', () => {
    expect(jsonNestsDeeperThan(`[${'[],'.repeat(1000)}[]]`, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"${'{'.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\\\","b":[[]]}`, 2)).toBe(true);
  });
});
