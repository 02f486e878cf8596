import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { DrillProbeDto } from '../../drills/dto/create-drill.dto.js';
import type { ScheduleState } from '../missed-schedule.js';
import type { ScheduleEntity } from '../schedule.entity.js';

/** A drill schedule: each tick runs one restore drill of the database's newest successful backup. */
export class DrillScheduleResponseDto {
  @ApiProperty({ example: '8' })
  scheduleId!: string;

  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ example: '0 4 * * 1' })
  cron!: string;

  @ApiProperty({ example: 'Europe/Paris' })
  timezone!: string;

  @ApiProperty({ example: true })
  enabled!: boolean;

  @ApiProperty({ description: 'Sandbox each drill restores on; null: the first sandbox of the engine family at each tick.', example: '1', nullable: true, type: String })
  sandboxId!: string | null;

  @ApiProperty({ type: DrillProbeDto, nullable: true, description: 'The probe each drill runs on its copy; null: none.' })
  probe!: DrillProbeDto | null;

  @ApiProperty({ description: 'Next tick, ISO 8601 UTC; null when disabled.', example: '2024-09-16T02:00:00Z', nullable: true, type: String })
  nextRunAt!: string | null;

  @ApiProperty({
    description: 'The latest tick that should have its successful drill by now (older than SCHEDULE_MISSED_GRACE_SECONDS).',
    example: '2024-09-09T02:00:00Z',
    nullable: true,
    type: String,
  })
  expectedRunAt!: string | null;

  @ApiProperty({ description: 'Newest successful drill of the database (scheduled or run now), requested at.', example: '2024-09-09T02:00:00Z', nullable: true, type: String })
  lastSuccessfulDrillAt!: string | null;

  @ApiProperty({ description: 'True when no drill succeeded since expectedRunAt (a missed drill).', example: false })
  missed!: boolean;

  @ApiProperty({ description: 'When the workers first reported this miss (drill.missed); null while not missed.', example: null, nullable: true, type: String })
  missedSince!: string | null;

  @ApiProperty({ example: '2024-09-01T12:00:00Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-01T12:00:00Z' })
  updatedAt!: string;

  static fromDrill(schedule: ScheduleEntity, state: ScheduleState, lastSuccessAt: Date | null): DrillScheduleResponseDto {
    return {
      scheduleId: schedule.id,
      databaseId: schedule.databaseId,
      cron: schedule.cron,
      timezone: schedule.timezone,
      enabled: schedule.enabled,
      sandboxId: schedule.drillSandboxId,
      probe: schedule.drillProbe,
      nextRunAt: isoSeconds(state.nextRunAt),
      expectedRunAt: isoSeconds(state.expectedRunAt),
      lastSuccessfulDrillAt: isoSeconds(lastSuccessAt),
      missed: state.missed,
      missedSince: state.missed ? isoSeconds(schedule.missedSince) : null,
      createdAt: isoSeconds(schedule.createdAt),
      updatedAt: isoSeconds(schedule.updatedAt),
    };
  }
}
