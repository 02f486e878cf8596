import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ENGINES, type EngineName } from '../database.entity.js';

/** A hostname (RFC 1123 labels), an IPv4 address or a bracket-less IPv6 address; never starts with '-'. */
export const HOST_PATTERN =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?))*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;
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
  @Matches(HOST_PATTERN, { message: 'host must be a hostname or an IP address' })
  host!: string;

  @ApiProperty({ description: 'TCP port of the database server.', example: 5432, minimum: 1, maximum: 65535 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @ApiProperty({ description: 'Name of the database to back up, used literally.', example: 'my_database', maxLength: 63 })
  @IsString()
  @Length(1, 63)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'database must not contain control characters' })
  database!: string;

  @ApiProperty({ description: 'User to connect as; it needs read access to everything to back up.', example: 'backup', maxLength: 63 })
  @IsString()
  @Length(1, 63)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' })
  username!: string;

  @ApiProperty({
    description: 'Password of that user. Stored encrypted (AES-256-GCM) and never returned.',
    example: 's3cret',
    maxLength: 1024,
    writeOnly: true,
  })
  @IsString()
  @Length(0, 1024)
  password!: string;
}
