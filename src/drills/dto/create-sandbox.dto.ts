import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsByteLength, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';
import { isValidHost } from '../../databases/dto/create-database.dto.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';

const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export class CreateSandboxDto {
  @ApiProperty({ description: 'A name people recognise; unique among sandboxes.', example: 'pg-sandbox', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ description: 'Engine of the sandbox server; drills of the same engine family run on it.', enum: ENGINES, example: 'postgres' })
  @IsIn(ENGINES)
  engine!: EngineName;

  @ApiProperty({ description: 'Hostname or IP address of the sandbox server.', example: '10.0.0.9', maxLength: 253 })
  @IsString()
  @Length(1, 253)
  @ValidateBy({ name: 'isHost', validator: { validate: isValidHost, defaultMessage: () => 'host must be a hostname or an IP address' } })
  host!: string;

  @ApiProperty({ description: 'TCP port of the sandbox server.', example: 5432, minimum: 1, maximum: 65535 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @ApiPropertyOptional({
    description: 'Database to connect to for creating and dropping scratch databases (default: "postgres" or "mysql").',
    example: 'postgres',
    maxLength: 63,
  })
  @IsOptional()
  @IsString()
  @IsByteLength(1, 63)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'maintenanceDatabase must not contain control characters' })
  maintenanceDatabase?: string;

  @ApiProperty({ description: 'User to connect as; it must be allowed to create and drop databases.', example: 'drills', maxLength: 63 })
  @IsString()
  @IsByteLength(1, 63)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'username must not contain control characters' })
  username!: string;

  @ApiProperty({
    description: 'Password of that user. Stored encrypted (AES-256-GCM, CREDENTIALS_KEY) and never returned.',
    example: 's3cret',
    maxLength: 1024,
    writeOnly: true,
  })
  @IsString()
  @Length(0, 1024)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'password must not contain control characters' })
  password!: string;
}

/** Any subset of the sandbox's fields; a new password replaces the stored one. */
export class UpdateSandboxDto extends PartialType(CreateSandboxDto) {}
