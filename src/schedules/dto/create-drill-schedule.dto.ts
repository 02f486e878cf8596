import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { DrillProbeDto } from '../../drills/dto/create-drill.dto.js';
import { CreateScheduleDto } from './create-schedule.dto.js';

/** A drill schedule: the cron of a backup schedule, plus the sandbox and the probe each of its drills uses. */
export class CreateDrillScheduleDto extends CreateScheduleDto {
  @ApiPropertyOptional({
    description:
      "Sandbox every drill of this schedule restores on (of the database's engine family); absent or null: the first " +
      "sandbox (lowest id) of the backup's engine family at each tick.",
    example: 'REPLACE_WITH_SANDBOX_ID',
    type: String,
    nullable: true,
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @MaxLength(64)
  sandboxId?: string | null;

  @ApiPropertyOptional({
    type: DrillProbeDto,
    nullable: true,
    description: 'The probe every drill of this schedule runs on its copy (as in POST /databases/{databaseId}/drills); null: none.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => DrillProbeDto)
  probe?: DrillProbeDto | null;
}
