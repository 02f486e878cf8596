import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { cronProblem, isTimeZone, nextTick, previousTick } from './cron.js';
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
