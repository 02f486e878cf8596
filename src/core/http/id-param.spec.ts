import { describe, expect, it } from '@jest/globals';
import { idToString, isValidId, isoSeconds } from './id-param.js';

describe('isValidId', () => {
  it.each(['1', '9', '10', '123', '999999999999999999'])('accepts %j', (value) => {
    expect(isValidId(value)).toBe(true);
  });

  it.each([
    '0',
    '01',
    '-1',
    '1.5',
    '1e3',
    ' 1',
    '1 ',
    '',
    'abc',
    '12a',
    '0x10',
    '1000000000000000000',
  ])('refuses the string %j', (value) => {
    expect(isValidId(value)).toBe(false);
  });

  it.each([1, 123, null, undefined, {}, ['1']])('refuses the non-string %j', (value) => {
    expect(isValidId(value)).toBe(false);
  });
});

describe('idToString', () => {
  it.each([
    [123, '123'],
    [0, '0'],
    [-5, '-5'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('turns the safe integer %p into %j', (value, expected) => {
    expect(idToString({ value })).toBe(expected);
  });

  it.each([1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity])('leaves the number %p as it is', (value) => {
    expect(idToString({ value })).toBe(value);
  });

  it.each(['123', '', null, undefined, true])('leaves %p as it is', (value) => {
    expect(idToString({ value })).toBe(value);
  });

  it('leaves an object as the same reference', () => {
    const value = { id: 1 };
    expect(idToString({ value })).toBe(value);
  });
});

describe('isoSeconds', () => {
  it('formats to the second in UTC', () => {
    expect(isoSeconds(new Date('2024-09-12T12:30:00.123Z'))).toBe('2024-09-12T12:30:00Z');
    expect(isoSeconds(new Date('2024-09-12T12:30:00.999Z'))).toBe('2024-09-12T12:30:00Z');
    expect(isoSeconds(new Date('2024-09-12T14:30:00+02:00'))).toBe('2024-09-12T12:30:00Z');
    expect(isoSeconds(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('passes null through', () => {
    expect(isoSeconds(null)).toBeNull();
  });
});
