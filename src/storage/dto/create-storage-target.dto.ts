import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUrl, Length, Matches, ValidateBy } from 'class-validator';
import { STORAGE_KINDS, type StorageKind } from '../storage-target.entity.js';

/** "a/../b" or "./x" would climb out of the prefix, or name the same keys twice. */
export function hasNoDotSegments(value: unknown): boolean {
  return typeof value !== 'string' || value.split('/').every((segment) => segment !== '.' && segment !== '..');
}

export class CreateStorageTargetDto {
  @ApiProperty({ description: 'Unique name of the target.', example: 'offsite-s3', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ description: 'Kind of storage. The local directory (STORAGE_DIR) is built in and needs no target.', enum: STORAGE_KINDS, example: 's3' })
  @IsIn(STORAGE_KINDS)
  kind!: StorageKind;

  @ApiProperty({ description: 'Bucket name.', example: 'db-backups' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'bucket must be a valid S3 bucket name' })
  bucket!: string;

  @ApiPropertyOptional({ description: 'Region.', example: 'us-east-1', default: 'us-east-1' })
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'region must look like us-east-1' })
  region?: string;

  @ApiPropertyOptional({ description: 'Endpoint of an S3-compatible service (MinIO, R2, Ceph…).', example: 'https://minio.internal:9000' })
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  endpoint?: string;

  @ApiPropertyOptional({ description: 'Path-style addressing (MinIO, Ceph).', example: true, default: false })
  @IsOptional()
  @IsBoolean()
  forcePathStyle?: boolean;

  @ApiPropertyOptional({ description: 'Key prefix inside the bucket.', example: 'prod/', default: '' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9!_.*'()/-]{0,512}$/, { message: 'prefix may contain letters, digits and !_.*\'()/-' })
  @ValidateBy({
    name: 'hasNoDotSegments',
    validator: { validate: hasNoDotSegments, defaultMessage: () => 'prefix must not contain "." or ".." path segments' },
  })
  prefix?: string;

  @ApiProperty({ example: 'AKIAIOSFODNN7EXAMPLE' })
  @IsString()
  @Length(1, 255)
  accessKeyId!: string;

  @ApiProperty({ description: 'Stored encrypted, never returned.', example: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', writeOnly: true })
  @IsString()
  @Length(1, 1024)
  secretAccessKey!: string;
}
