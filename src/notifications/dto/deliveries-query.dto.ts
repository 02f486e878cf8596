import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_DELIVERIES = 200;

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ description: 'How many of the newest deliveries to return; 50 when absent.', type: Number, minimum: 1, maximum: MAX_DELIVERIES })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_DELIVERIES)
  limit?: number;
}
