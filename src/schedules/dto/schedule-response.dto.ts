import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { createdAndUpdated } from '../../core/http/response-dates.js';
import type { ScheduleState } from '../missed-schedule.js';
import type { ScheduleEntity } from '../schedule.entity.js';

export class ScheduleResponseDto {
  @ApiProperty({ example: '7' })
  scheduleId!: string;

  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ example: '30 2 * * *' })
  cron!: string;

  @ApiProperty({ example: 'Europe/Paris' })
  timezone!: string;

  @ApiProperty({ example: true })
  enabled!: boolean;

  @ApiProperty({ description: 'Next tick, ISO 8601 UTC; null when disabled.', example: '2024-09-13T00:30:00Z', nullable: true, type: String })
  nextRunAt!: string | null;

  @ApiProperty({
    description: 'The latest tick that should have its successful backup by now (older than SCHEDULE_MISSED_GRACE_SECONDS).',
    example: '2024-09-12T00:30:00Z',
    nullable: true,
    type: String,
  })
  expectedRunAt!: string | null;

  @ApiProperty({ description: 'Newest successful backup of the database (scheduled or manual), requested at.', example: '2024-09-12T00:30:00Z', nullable: true, type: String })
  lastSuccessfulBackupAt!: string | null;

  @ApiProperty({ description: 'True when no backup succeeded since expectedRunAt.', example: false })
  missed!: boolean;

  @ApiProperty({ description: 'When the workers first reported this miss (schedule.missed); null while not missed.', example: null, nullable: true, type: String })
  missedSince!: string | null;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  updatedAt!: string;

  static from(schedule: ScheduleEntity, state: ScheduleState, lastSuccessAt: Date | null): ScheduleResponseDto {
    return {
      scheduleId: schedule.id,
      databaseId: schedule.databaseId,
      cron: schedule.cron,
      timezone: schedule.timezone,
      enabled: schedule.enabled,
      nextRunAt: isoSeconds(state.nextRunAt),
      expectedRunAt: isoSeconds(state.expectedRunAt),
      lastSuccessfulBackupAt: isoSeconds(lastSuccessAt),
      missed: state.missed,
      missedSince: state.missed ? isoSeconds(schedule.missedSince) : null,
      ...createdAndUpdated(schedule),
    };
  }
}
