import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';

export class CreateBackupDto {
  @ApiProperty({
    description: 'Id of the registered database to back up (the `databaseId` that POST /databases or GET /databases answers).',
    // A placeholder, not a plausible id: Swagger UI pre-fills it, and a person must see that it is to be replaced.
    example: 'REPLACE_WITH_DATABASE_ID',
  })
  @Transform(idToString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  databaseId!: string;
}
