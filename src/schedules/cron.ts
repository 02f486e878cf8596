import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Minute granularity: five fields (minute hour day-of-month month day-of-week) or a macro such as @daily. */
export function cronProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (!trimmed.startsWith('@') && trimmed.split(/\s+/).length !== 5) {
    return 'cron must have five fields: minute hour day-of-month month day-of-week (or a macro such as @daily)';
  }
  try {
    // The same parser (and version) as BullMQ's job schedulers.
    CronExpressionParser.parse(trimmed, { tz: 'UTC' });
    return null;
  } catch (error) {
    return `cron is not valid: ${(error as Error).message}`;
  }
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** How many parsed expressions (cron and time zone) are kept; the least recently used goes first. */
export const PARSED_CRON_LIMIT = 256;

/** Parsed expressions by cron and time zone, the most recently used last. */
const parsedCrons = new Map<string, CronExpression>();

/**
 * The parsed expression of `cron` in `timezone`, parsed once: parsing costs more than a tick (GET /overview asks
 * for three ticks of every enabled schedule). The expression is an iterator that each tick resets to its own date
 * before stepping once, all synchronously, so sharing it gives the same ticks as a fresh parse.
 */
function parsedCron(cron: string, timezone: string): CronExpression {
  const key = JSON.stringify([cron, timezone]);
  const cached = parsedCrons.get(key);
  if (cached) {
    parsedCrons.delete(key);
    parsedCrons.set(key, cached);
    return cached;
  }
  const expression = CronExpressionParser.parse(cron, { tz: timezone });
  if (parsedCrons.size >= PARSED_CRON_LIMIT) parsedCrons.delete(parsedCrons.keys().next().value!);
  parsedCrons.set(key, expression);
  return expression;
}

/** The latest tick at or before `at`. */
export function previousTick(cron: string, timezone: string, at: Date): Date {
  const expression = parsedCron(cron, timezone);
  // cron-parser's prev() is strictly before its current date; a tick exactly at `at` counts.
  expression.reset(new Date(at.getTime() + 1));
  return expression.prev().toDate();
}

export function nextTick(cron: string, timezone: string, after: Date): Date {
  const expression = parsedCron(cron, timezone);
  expression.reset(after);
  return expression.next().toDate();
}

/** class-validator: a cron expression as accepted by cronProblem, with its reason as the message. */
export function IsCronExpression(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && cronProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? cronProblem(args.value)! : 'cron must be a string',
      },
    });
}

/** class-validator: an IANA time zone this Node.js knows (Intl). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= 64 && isTimeZone(value),
        defaultMessage: () => 'timezone must be an IANA time zone such as "UTC" or "Europe/Paris"',
      },
    });
}
