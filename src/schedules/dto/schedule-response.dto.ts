import { isoSeconds } from '../../core/http/id-param.js';
import type { ScheduleState } from '../missed-schedule.js';
import type { ScheduleEntity } from '../schedule.entity.js';
import { scheduleFieldDocs, scheduleFieldValues } from './schedule-response-fields.js';

const field = scheduleFieldDocs({
  examples: { scheduleId: '7', cron: '30 2 * * *', nextRunAt: '2024-09-13T00:30:00Z', expectedRunAt: '2024-09-12T00:30:00Z', createdAt: '2024-09-12T12:00:00Z' },
  expectedRunAt: 'The latest tick that should have its successful backup by now (older than SCHEDULE_MISSED_GRACE_SECONDS).',
  lastSuccessAt: 'Newest successful backup of the database (scheduled or manual), requested at.',
  missed: 'True when no backup succeeded since expectedRunAt.',
  missedSince: 'When the workers first reported this miss (schedule.missed); null while not missed.',
});

export class ScheduleResponseDto {
  @field.scheduleId scheduleId!: string;
  @field.databaseId databaseId!: string;
  @field.cron cron!: string;
  @field.timezone timezone!: string;
  @field.enabled enabled!: boolean;
  @field.nextRunAt nextRunAt!: string | null;
  @field.expectedRunAt expectedRunAt!: string | null;
  @field.lastSuccessAt lastSuccessfulBackupAt!: string | null;
  @field.missed missed!: boolean;
  @field.missedSince missedSince!: string | null;
  @field.createdAt createdAt!: string;
  @field.updatedAt updatedAt!: string;

  static from(schedule: ScheduleEntity, state: ScheduleState, lastSuccessAt: Date | null): ScheduleResponseDto {
    return scheduleFieldValues(schedule, state, { lastSuccessfulBackupAt: isoSeconds(lastSuccessAt) }, {});
  }
}
