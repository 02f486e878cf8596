import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { maskUrlSecrets } from '../../core/http/url-secrets.js';
import { STORAGE_KINDS, type StorageKind, type StorageTargetEntity } from '../storage-target.entity.js';

export class StorageTargetResponseDto {
  @ApiProperty({ example: '1' })
  storageTargetId!: string;

  @ApiProperty({ example: 'offsite-s3' })
  name!: string;

  @ApiProperty({ enum: STORAGE_KINDS, example: 's3' })
  kind!: StorageKind;

  @ApiProperty({ example: 'db-backups' })
  bucket!: string;

  @ApiProperty({ example: 'us-east-1' })
  region!: string;

  @ApiProperty({
    description: 'Without the admin scope, credentials and query values in it are shown as `***`.',
    example: 'https://minio.internal:9000',
    nullable: true,
    type: String,
  })
  endpoint!: string | null;

  @ApiProperty({ example: true })
  forcePathStyle!: boolean;

  @ApiProperty({ example: 'prod/' })
  prefix!: string;

  @ApiProperty({ example: 'AKIAIOSFODNN7EXAMPLE' })
  accessKeyId!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  createdAt!: string;

  /** `maskSecrets`: for a caller without admin, the endpoint's userinfo and query values become `***`. */
  static from(entity: StorageTargetEntity, maskSecrets = false): StorageTargetResponseDto {
    return {
      storageTargetId: entity.id,
      name: entity.name,
      kind: entity.kind,
      bucket: entity.bucket,
      region: entity.region,
      endpoint: maskSecrets && entity.endpoint ? maskUrlSecrets(entity.endpoint) : entity.endpoint,
      forcePathStyle: entity.forcePathStyle,
      prefix: entity.prefix,
      accessKeyId: entity.accessKeyId,
      createdAt: isoSeconds(entity.createdAt),
    };
  }
}
