import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCronExpression, IsIanaTimeZone } from '../cron.js';

export class CreateScheduleDto {
  @ApiProperty({
    description: 'Cron expression with five fields (minute hour day-of-month month day-of-week), or a macro such as @daily.',
    example: '30 2 * * *',
    maxLength: 120,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  @IsCronExpression()
  cron!: string;

  @ApiPropertyOptional({ description: 'IANA time zone the cron is read in.', example: 'Europe/Paris', default: 'UTC' })
  @IsOptional()
  @IsString()
  @IsIanaTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ description: 'A disabled schedule makes no backups and is never missed.', example: true, default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
