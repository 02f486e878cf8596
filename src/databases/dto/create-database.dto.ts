import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsByteLength, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { COMPRESSIONS, type Compression } from '../../storage/compression.js';
import type { EngineName } from '../../engines/engine-name.js';
import { ConnectionEngine, ConnectionHost, ConnectionName, ConnectionPassword, ConnectionPort, ConnectionUsername, NoControlCharacters } from './connection-fields.js';

export class CreateDatabaseDto {
  @ConnectionName('A name people recognise; unique among registered databases.', 'my_database')
  name!: string;

  @ConnectionEngine('Database engine.')
  engine!: EngineName;

  @ConnectionHost('Hostname or IP address of the database server.', '127.0.0.1')
  host!: string;

  @ConnectionPort('TCP port of the database server.')
  port!: number;

  @ApiProperty({ description: 'Name of the database to back up, used literally.', example: 'my_database', maxLength: 63 })
  @IsString()
  @IsByteLength(1, 63, { message: 'database must be 1 to 63 bytes long (PostgreSQL truncates longer names)' })
  @NoControlCharacters('database')
  database!: string;

  @ConnectionUsername(
    'User to connect as; it needs read access to everything to back up.',
    'backup',
    'username must be 1 to 63 bytes long (PostgreSQL truncates longer names)',
  )
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

  @ConnectionPassword('Password of that user. Stored encrypted (AES-256-GCM) and never returned.')
  password!: string;
}
