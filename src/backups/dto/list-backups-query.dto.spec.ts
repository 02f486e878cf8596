import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { toFieldErrors } from '../../core/http/validation.pipe.js';
import { ListBackupsQueryDto, withExplicitOffset } from './list-backups-query.dto.js';

function check(query: Record<string, unknown>) {
  const dto = plainToInstance(ListBackupsQueryDto, query);
  return { dto, errors: toFieldErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true })) };
}

describe('ListBackupsQueryDto', () => {
  it('accepts no parameters', () => {
    expect(check({}).errors).toEqual([]);
  });

  it('accepts every filter and turns limit into a number', () => {
    const { dto, errors } = check({
      databaseId: '123',
      status: 'failed',
      since: '2024-09-01',
      until: '2024-09-12T12:30:00.123456+02:00',
      limit: '1000',
      cursor: 'abc',
    });
    expect(errors).toEqual([]);
    expect(dto.limit).toBe(1000);
  });

  it.each([['1'], ['100'], ['1000']])('accepts limit=%s', (limit) => {
    expect(check({ limit }).errors).toEqual([]);
  });

  it.each([['0'], ['1001'], ['-1'], ['1.5'], ['ten'], [''], ['1e2']])('refuses limit=%j', (limit) => {
    expect(check({ limit }).errors).toEqual([{ field: 'limit', messages: ['limit must be an integer between 1 and 1000'] }]);
  });

  it('refuses a limit given twice', () => {
    expect(check({ limit: ['1', '2'] }).errors.map((error) => error.field)).toEqual(['limit']);
  });

  it.each([['running'], ['queued'], ['success'], ['failed']])('accepts status=%s', (status) => {
    expect(check({ status }).errors).toEqual([]);
  });

  it('refuses an unknown status', () => {
    expect(check({ status: 'done' }).errors).toEqual([
      { field: 'status', messages: ['status must be one of: queued, running, success, failed'] },
    ]);
  });

  it.each([['0'], ['-3'], ['abc'], ['12a'], ['1234567890123456789']])('refuses databaseId=%j', (databaseId) => {
    expect(check({ databaseId }).errors).toEqual([
      { field: 'databaseId', messages: ['databaseId must be a database id (a positive integer)'] },
    ]);
  });

  it.each([['2024-02-30'], ['2024-09-12T25:00:00Z'], ['yesterday'], ['2024-W37'], ['1726144200'], ['2024-09-12 12:30:00']])(
    'refuses since=%j',
    (since) => {
      expect(check({ since }).errors).toEqual([
        { field: 'since', messages: ['since must be an ISO 8601 date or date-time, e.g. 2024-09-12 or 2024-09-12T12:30:00Z'] },
      ]);
    },
  );

  it('refuses an unknown parameter', () => {
    expect(check({ offset: '100' }).errors).toEqual([{ field: 'offset', messages: ['property offset should not exist'] }]);
  });
});

describe('withExplicitOffset', () => {
  it.each([
    ['2024-09-12', '2024-09-12T00:00:00Z'],
    ['2024-09-12T12:30', '2024-09-12T12:30Z'],
    ['2024-09-12T12:30:00.5', '2024-09-12T12:30:00.5Z'],
    ['2024-09-12T12:30:00Z', '2024-09-12T12:30:00Z'],
    ['2024-09-12T12:30:00+02:00', '2024-09-12T12:30:00+02:00'],
    ['2024-09-12T12:30:00-05:00', '2024-09-12T12:30:00-05:00'],
  ])('%s → %s', (input, output) => {
    expect(withExplicitOffset(input)).toBe(output);
  });
});
