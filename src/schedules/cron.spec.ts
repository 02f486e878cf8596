import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { CronExpressionParser } from 'cron-parser';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { cronProblem, isTimeZone, nextTick, PARSED_CRON_LIMIT, previousTick } from './cron.js';
import { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { scheduleState } from './missed-schedule.js';

describe('cron validation', () => {
  it.each(['* * * * *', '30 2 * * *', '*/15 9-17 * * 1-5', '@daily', ' 0 0 1 * * '])('accepts %p', (cron) => {
    expect(cronProblem(cron)).toBeNull();
  });

  it.each([
    ['61 * * * *', 'cron is not valid: Constraint error, got value 61 expected range 0-59'],
    ['0 0 31 2 *', 'cron is not valid: Invalid explicit day of month definition'],
    ['* * * *', 'cron must have five fields: minute hour day-of-month month day-of-week (or a macro such as @daily)'],
    ['*/5 * * * * *', 'cron must have five fields: minute hour day-of-month month day-of-week (or a macro such as @daily)'],
    ['', 'cron must have five fields: minute hour day-of-month month day-of-week (or a macro such as @daily)'],
  ])('rejects %p with its reason', (cron, reason) => {
    expect(cronProblem(cron)).toBe(reason);
  });

  it('knows IANA time zones only', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('reports every bad field of a schedule body', () => {
    const dto = plainToInstance(CreateScheduleDto, { cron: '99 * * * *', timezone: 'Nowhere/City', enabled: 'yes' });
    const errors = validateSync(dto).map((e) => [e.property, Object.values(e.constraints ?? {})]);
    expect(errors).toEqual([
      ['cron', ['cron is not valid: Constraint error, got value 99 expected range 0-59']],
      ['timezone', ['timezone must be an IANA time zone such as "UTC" or "Europe/Paris"']],
      ['enabled', ['enabled must be a boolean value']],
    ]);
  });
});

describe('ticks', () => {
  it('reads the cron in its time zone', () => {
    // 02:30 in Paris is 01:30 UTC in winter (CET, +01:00).
    const at = new Date('2024-01-10T12:00:00Z');
    expect(previousTick('30 2 * * *', 'Europe/Paris', at).toISOString()).toBe('2024-01-10T01:30:00.000Z');
    expect(nextTick('30 2 * * *', 'Europe/Paris', at).toISOString()).toBe('2024-01-11T01:30:00.000Z');
  });

  it('counts a tick exactly at the given time as the previous one', () => {
    expect(previousTick('0 * * * *', 'UTC', new Date('2024-01-10T12:00:00Z')).toISOString()).toBe('2024-01-10T12:00:00.000Z');
  });
});

/** The ticks as they were computed before parsed expressions were kept: one fresh parse per tick. */
const freshlyParsed = {
  previousTick: (cron: string, timezone: string, at: Date) =>
    CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(at.getTime() + 1) }).prev().toDate(),
  nextTick: (cron: string, timezone: string, after: Date) => CronExpressionParser.parse(cron, { tz: timezone, currentDate: after }).next().toDate(),
};

/** A tick, or the error it throws (cron-parser gives up on some ticks before Lord Howe's half-hour change). */
function outcome(tick: () => Date): string {
  try {
    return tick().toISOString();
  } catch (error) {
    return `throws ${(error as Error).message}`;
  }
}

describe('parsed expressions kept', () => {
  const crons = ['* * * * *', '0 * * * *', '30 2 * * *', '15 1-3 * * *', '*/15 9-17 * * 1-5', '0 0 13 * 5', '5 4 * * 1#2', '0 0 L * *', '@daily', '@weekly'];
  const timezones = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
  // Around the 2024 daylight-saving changes of Paris (March 31, October 27), New York (March 10, November 3) and
  // Lord Howe (April 7, October 6, half an hour), on exact ticks and between them.
  const instants = [
    '2024-01-10T12:00:00Z', '2024-02-29T23:59:59.999Z', '2024-03-10T06:30:00Z', '2024-03-10T07:00:00Z', '2024-03-31T00:30:00Z',
    '2024-03-31T01:00:00Z', '2024-03-31T01:15:00.001Z', '2024-04-06T15:00:00Z', '2024-10-05T16:30:00Z', '2024-10-27T00:30:00Z',
    '2024-10-27T01:00:00Z', '2024-11-03T05:30:00Z', '2024-11-03T06:15:00Z', '2024-12-31T23:00:00Z',
  ].map((iso) => new Date(iso));

  it('gives the ticks of a fresh parse, whatever ticks were asked of the same expression before', () => {
    expect(crons.map(cronProblem)).toEqual(crons.map(() => null));
    const differences: string[] = [];
    for (const cron of crons) {
      for (const timezone of timezones) {
        // Forwards then backwards: each tick starts from its own date, not from where the previous one left off.
        for (const at of [...instants, ...[...instants].reverse()]) {
          for (const tick of ['previousTick', 'nextTick'] as const) {
            const kept = outcome(() => (tick === 'previousTick' ? previousTick : nextTick)(cron, timezone, at));
            const fresh = outcome(() => freshlyParsed[tick](cron, timezone, at));
            if (kept !== fresh) differences.push(`${tick}(${cron}, ${timezone}, ${at.toISOString()}): ${kept} instead of ${fresh}`);
          }
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('throws what a fresh parse throws', () => {
    const beforeLordHoweChange = new Date('2024-10-05T15:30:00Z');
    expect(outcome(() => previousTick('0 * * * *', 'Australia/Lord_Howe', beforeLordHoweChange))).toBe('throws Invalid expression, loop limit exceeded');
    expect(outcome(() => freshlyParsed.previousTick('0 * * * *', 'Australia/Lord_Howe', beforeLordHoweChange))).toBe('throws Invalid expression, loop limit exceeded');
    // The expression kept still gives a fresh parse's ticks after the failure.
    const later = new Date('2024-10-05T16:30:00Z');
    expect(previousTick('0 * * * *', 'Australia/Lord_Howe', later)).toEqual(freshlyParsed.previousTick('0 * * * *', 'Australia/Lord_Howe', later));
  });

  it('parses an expression once per time zone, and keeps the most recently used ones only', () => {
    const parse = jest.spyOn(CronExpressionParser, 'parse');
    try {
      const at = new Date('2024-01-10T12:00:00Z');
      // Cron expressions in a time zone no other test uses: none is kept yet.
      const distinct = Array.from({ length: 2 * PARSED_CRON_LIMIT }, (_, i) => `${i % 60} ${Math.floor(i / 60)} * * *`);
      for (const cron of distinct) nextTick(cron, 'Asia/Tokyo', at);
      expect(parse).toHaveBeenCalledTimes(distinct.length);
      for (const cron of distinct.slice(PARSED_CRON_LIMIT)) {
        previousTick(cron, 'Asia/Tokyo', at);
        nextTick(cron, 'Asia/Tokyo', at);
      }
      expect(parse).toHaveBeenCalledTimes(distinct.length);
      nextTick(distinct[0]!, 'Asia/Tokyo', at);
      expect(parse).toHaveBeenCalledTimes(distinct.length + 1);
      nextTick(distinct[0]!, 'Asia/Seoul', at);
      expect(parse).toHaveBeenCalledTimes(distinct.length + 2);
    } finally {
      parse.mockRestore();
    }
  });
});

describe('missed schedules', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC', enabled: true, updatedAt: new Date('2024-01-10T08:30:00Z') };
  const now = new Date('2024-01-10T12:10:00Z');
  const grace = 15 * 60 * 1000;

  it('is missed when no backup succeeded since the last tick older than the grace', () => {
    // 12:00 is still within its 15 minutes of grace: 11:00 is the tick that must have its backup.
    expect(scheduleState(hourly, new Date('2024-01-10T10:00:05Z'), now, grace)).toEqual({
      nextRunAt: new Date('2024-01-10T13:00:00Z'),
      expectedRunAt: new Date('2024-01-10T11:00:00Z'),
      missed: true,
    });
    expect(scheduleState(hourly, null, now, grace).missed).toBe(true);
  });

  it('is not missed once a backup was requested at or after the expected tick', () => {
    expect(scheduleState(hourly, new Date('2024-01-10T11:00:02Z'), now, grace).missed).toBe(false);
  });

  it('expects no tick from before the schedule was last changed', () => {
    const changed = { ...hourly, updatedAt: new Date('2024-01-10T11:30:00Z') };
    expect(scheduleState(changed, null, now, grace)).toEqual({ nextRunAt: new Date('2024-01-10T13:00:00Z'), expectedRunAt: null, missed: false });
  });

  it('never counts a disabled schedule as missed', () => {
    expect(scheduleState({ ...hourly, enabled: false }, null, now, grace)).toEqual({ nextRunAt: null, expectedRunAt: null, missed: false });
  });
});
