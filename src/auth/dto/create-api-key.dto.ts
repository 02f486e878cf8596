import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { API_SCOPES, type ApiScope } from '../scopes.js';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'What the key is for (who or which tool uses it).', example: 'nightly-ci', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({
    description: 'What the key may do. `admin` satisfies every scope.',
    enum: API_SCOPES,
    isArray: true,
    example: ['read', 'backup'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true })
  scopes!: ApiScope[];
}
