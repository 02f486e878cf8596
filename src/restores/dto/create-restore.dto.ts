import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';

export class CreateRestoreDto {
  @ApiPropertyOptional({
    description: 'Registered database to restore into (same engine). Default: the database the backup was taken from.',
    example: '124',
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  targetDatabaseId?: string;

  @ApiPropertyOptional({
    description: 'Required (true) when restoring into the source database, whose objects are replaced.',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  confirm?: boolean;
}
