import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class ListDrillsQueryDto {
  @ApiPropertyOptional({ description: 'Only the drills of this database.', type: String })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  databaseId?: string;
}

