import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { DrillProbeDto } from '../../drills/dto/create-drill.dto.js';
import type { ScheduleState } from '../missed-schedule.js';
import type { ScheduleEntity } from '../schedule.entity.js';
import { scheduleFieldDocs, scheduleFieldValues } from './schedule-response-fields.js';

const field = scheduleFieldDocs({
  examples: { scheduleId: '8', cron: '0 4 * * 1', nextRunAt: '2024-09-16T02:00:00Z', expectedRunAt: '2024-09-09T02:00:00Z', createdAt: '2024-09-01T12:00:00Z' },
  expectedRunAt: 'The latest tick that should have its successful drill by now (older than SCHEDULE_MISSED_GRACE_SECONDS).',
  lastSuccessAt: 'Newest successful drill of the database (scheduled or run now), requested at.',
  missed: 'True when no drill succeeded since expectedRunAt (a missed drill).',
  missedSince: 'When the workers first reported this miss (drill.missed); null while not missed.',
});

/** A drill schedule: each tick runs one restore drill of the database's newest successful backup. */
export class DrillScheduleResponseDto {
  @field.scheduleId scheduleId!: string;
  @field.databaseId databaseId!: string;
  @field.cron cron!: string;
  @field.timezone timezone!: string;
  @field.enabled enabled!: boolean;

  @ApiProperty({ description: 'Sandbox each drill restores on; null: the first sandbox of the engine family at each tick.', example: '1', nullable: true, type: String })
  sandboxId!: string | null;

  @ApiProperty({ type: DrillProbeDto, nullable: true, description: 'The probe each drill runs on its copy; null: none.' })
  probe!: DrillProbeDto | null;

  @field.nextRunAt nextRunAt!: string | null;
  @field.expectedRunAt expectedRunAt!: string | null;
  @field.lastSuccessAt lastSuccessfulDrillAt!: string | null;
  @field.missed missed!: boolean;
  @field.missedSince missedSince!: string | null;
  @field.createdAt createdAt!: string;
  @field.updatedAt updatedAt!: string;

  static fromDrill(schedule: ScheduleEntity, state: ScheduleState, lastSuccessAt: Date | null): DrillScheduleResponseDto {
    const target = { sandboxId: schedule.drillSandboxId, probe: schedule.drillProbe };
    return scheduleFieldValues(schedule, state, { lastSuccessfulDrillAt: isoSeconds(lastSuccessAt) }, target);
  }
}
