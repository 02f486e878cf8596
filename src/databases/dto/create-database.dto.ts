import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { isIP } from 'node:net';
import { IsBoolean, IsByteLength, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { COMPRESSIONS, type Compression } from '../../storage/compression.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';

/** A hostname made of RFC 1123 labels (which covers IPv4 addresses); never starts with '-'. */
const HOSTNAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isValidHost(value: unknown): boolean {
  return typeof value === 'string' && (HOSTNAME_PATTERN.test(value) || isIP(value) !== 0);
}
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export class CreateDatabaseDto {
  @ApiProperty({ description: 'A name people recognise; unique among registered databases.', example: 'my_database', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ description: 'Database engine.', enum: ENGINES, example: 'postgres' })
  @IsIn(ENGINES)
  engine!: EngineName;

  @ApiProperty({ description: 'Hostname or IP address of the database server.', example: '127.0.0.1', maxLength: 253 })
  @IsString()
  @Length(1, 253)
  @ValidateBy({ name: 'isHost', validator: { validate: isValidHost, defaultMessage: () => 'host must be a hostname or an IP address' } })
  host!: string;

  @ApiProperty({ description: 'TCP port of the database server.', example: 5432, minimum: 1, maximum: 65535 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @ApiProperty({ description: 'Name of the database to back up, used literally.', example: 'my_database', maxLength: 63 })
  @IsString()
  @IsByteLength(1, 63, { message: 'database must be 1 to 63 bytes long (PostgreSQL truncates longer names)' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'database must not contain control characters' })
  database!: string;

  @ApiProperty({ description: 'User to connect as; it needs read access to everything to back up.', example: 'backup', maxLength: 63 })
  @IsString()
  @IsByteLength(1, 63, { message: 'username must be 1 to 63 bytes long (PostgreSQL truncates longer names)' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' })
  username!: string;

  @ApiPropertyOptional({ description: 'Compression of its backup files.', enum: COMPRESSIONS, default: 'zstd', example: 'zstd' })
  @IsOptional()
  @IsIn(COMPRESSIONS)
  compression?: Compression;

  @ApiPropertyOptional({
    description: 'Encrypt its backup files at rest with BACKUP_ENCRYPTION_KEY (chunked AES-256-GCM, see docs/encryption.md).',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  encrypted?: boolean;

  @ApiPropertyOptional({
    description: 'Storage target for its backups (see /storage-targets); null or absent: the local directory.',
    example: null,
    nullable: true,
    type: String,
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @MaxLength(64)
  storageTargetId?: string | null;

  @ApiProperty({
    description: 'Password of that user. Stored encrypted (AES-256-GCM) and never returned.',
    example: 's3cret',
    maxLength: 1024,
    writeOnly: true,
  })
  @IsString()
  @Length(0, 1024)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'password must not contain control characters' })
  password!: string;
}
