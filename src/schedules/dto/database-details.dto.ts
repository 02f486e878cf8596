import { ApiProperty } from '@nestjs/swagger';
import { DatabaseResponseDto } from '../../databases/dto/database-response.dto.js';
import { ScheduleResponseDto } from './schedule-response.dto.js';

/** GET /databases/:id: the registration plus its schedules and whether one of them is missed. */
export class DatabaseDetailsDto extends DatabaseResponseDto {
  @ApiProperty({ type: [ScheduleResponseDto] })
  schedules!: ScheduleResponseDto[];

  @ApiProperty({ description: 'True when an enabled schedule has no successful backup since its expected tick.', example: false })
  missedSchedule!: boolean;
}
