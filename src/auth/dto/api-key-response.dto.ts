import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import type { ApiKeyEntity } from '../api-key.entity.js';
import { API_SCOPES, type ApiScope } from '../scopes.js';

/** An API key as listed: never the key itself nor its hash. */
export class ApiKeyResponseDto {
  @ApiProperty({ example: '2' })
  apiKeyId!: string;

  @ApiProperty({ example: 'nightly-ci' })
  name!: string;

  @ApiProperty({ description: 'The first characters of the key, to tell keys apart.', example: 'dbb_q3Z8xK1v' })
  prefix!: string;

  @ApiProperty({ enum: API_SCOPES, isArray: true, example: ['read', 'backup'] })
  scopes!: ApiScope[];

  @ApiProperty({ example: '2024-09-12T12:30:00Z' })
  createdAt!: string;

  static from(entity: ApiKeyEntity): ApiKeyResponseDto {
    return {
      apiKeyId: entity.id,
      name: entity.name,
      prefix: entity.prefix,
      scopes: entity.scopes,
      createdAt: isoSeconds(entity.createdAt),
    };
  }
}

/** The answer to POST /api-keys: the only time the key is shown. */
export class CreatedApiKeyDto extends ApiKeyResponseDto {
  @ApiProperty({
    description: 'The key. Shown only in this response: store it now, it cannot be retrieved later.',
    example: 'dbb_q3Z8xK1vW0mJ3r6c0Q9yX2nB5tL8pA1sD4fG7hJ0kE',
  })
  key!: string;

  static withKey(entity: ApiKeyEntity, key: string): CreatedApiKeyDto {
    return { ...ApiKeyResponseDto.from(entity), key };
  }
}
