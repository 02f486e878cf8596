import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { createdAndUpdated } from '../../core/http/response-dates.js';
import type { ScheduleState } from '../missed-schedule.js';
import type { ScheduleEntity } from '../schedule.entity.js';

/** How a schedule's response words what its ticks run (backups or drills): examples and descriptions. */
export interface ScheduleWording {
  examples: { scheduleId: string; cron: string; nextRunAt: string; expectedRunAt: string; createdAt: string };
  expectedRunAt: string;
  lastSuccessAt: string;
  missed: string;
  missedSince: string;
}

/** The OpenAPI decorators of the fields every schedule response has, in the wording of one kind of schedule. */
export function scheduleFieldDocs(wording: ScheduleWording) {
  const { examples } = wording;
  const nullableTime = (description: string, example: string | null) => ApiProperty({ description, example, nullable: true, type: String });
  return {
    scheduleId: ApiProperty({ example: examples.scheduleId }),
    databaseId: ApiProperty({ example: '123' }),
    cron: ApiProperty({ example: examples.cron }),
    timezone: ApiProperty({ example: 'Europe/Paris' }),
    enabled: ApiProperty({ example: true }),
    nextRunAt: nullableTime('Next tick, ISO 8601 UTC; null when disabled.', examples.nextRunAt),
    expectedRunAt: nullableTime(wording.expectedRunAt, examples.expectedRunAt),
    lastSuccessAt: nullableTime(wording.lastSuccessAt, examples.expectedRunAt),
    missed: ApiProperty({ description: wording.missed, example: false }),
    missedSince: nullableTime(wording.missedSince, null),
    createdAt: ApiProperty({ example: examples.createdAt }),
    updatedAt: ApiProperty({ example: examples.createdAt }),
  };
}

/**
 * The values of every schedule response's fields, in the documents' order: `extra` (a drill schedule's target)
 * follows `enabled`, and `lastSuccess` (named for what the schedule runs) follows `expectedRunAt`.
 */
export function scheduleFieldValues<LastSuccess extends object, Extra extends object>(
  schedule: ScheduleEntity,
  state: ScheduleState,
  lastSuccess: LastSuccess,
  extra: Extra,
) {
  return {
    scheduleId: schedule.id,
    databaseId: schedule.databaseId,
    cron: schedule.cron,
    timezone: schedule.timezone,
    enabled: schedule.enabled,
    ...extra,
    nextRunAt: isoSeconds(state.nextRunAt),
    expectedRunAt: isoSeconds(state.expectedRunAt),
    ...lastSuccess,
    missed: state.missed,
    missedSince: state.missed ? isoSeconds(schedule.missedSince) : null,
    ...createdAndUpdated(schedule),
  };
}
