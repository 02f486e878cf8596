import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_WAIT_SECONDS = 60;

/** `?waitSeconds=N`: answer as soon as the work has finished, or after N seconds, instead of polling. */
export class WaitQueryDto {
  @ApiPropertyOptional({
    description: `If still queued or running, wait up to this many seconds (at most ${MAX_WAIT_SECONDS}) for it to finish before answering, e.g. \`30\`.`,
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  waitSeconds?: number;
}
