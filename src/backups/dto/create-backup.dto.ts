import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';

export class CreateBackupDto {
  @ApiProperty({ description: 'Id of the registered database to back up.', example: '123' })
  @Transform(idToString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  databaseId!: string;
}
