import { ApiProperty } from '@nestjs/swagger';
import { DatabaseResponseDto } from '../../databases/dto/database-response.dto.js';
import { DrillResponseDto } from '../../drills/dto/drill-response.dto.js';
import { ScheduleResponseDto } from './schedule-response.dto.js';

/** GET /databases/:id: the registration plus its schedules, whether one of them is missed, and its drills' outcome. */
export class DatabaseDetailsDto extends DatabaseResponseDto {
  @ApiProperty({ type: [ScheduleResponseDto] })
  schedules!: ScheduleResponseDto[];

  @ApiProperty({ description: 'True when an enabled schedule has no successful backup since its expected tick.', example: false })
  missedSchedule!: boolean;

  @ApiProperty({ type: DrillResponseDto, nullable: true, description: "The database's newest finished restore drill (success or failed); null if none." })
  lastDrill!: DrillResponseDto | null;

  @ApiProperty({
    description:
      "How long restoring this database took in its newest successful drill, in seconds: the measured recovery time on " +
      'the sandbox\'s hardware (null: no successful drill yet).',
    example: 12.4,
    nullable: true,
    type: Number,
  })
  restoreTimeSeconds!: number | null;
}
