import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsByteLength, IsOptional, IsString } from 'class-validator';
import { ConnectionEngine, ConnectionHost, ConnectionName, ConnectionPassword, ConnectionPort, ConnectionUsername, NoControlCharacters } from '../../databases/dto/connection-fields.js';
import type { EngineName } from '../../engines/engine-name.js';

export class CreateSandboxDto {
  @ConnectionName('A name people recognise; unique among sandboxes.', 'pg-sandbox')
  name!: string;

  @ConnectionEngine('Engine of the sandbox server; drills of the same engine family run on it.')
  engine!: EngineName;

  @ConnectionHost('Hostname or IP address of the sandbox server.', '10.0.0.9')
  host!: string;

  @ConnectionPort('TCP port of the sandbox server.')
  port!: number;

  @ApiPropertyOptional({
    description: 'Database to connect to for creating and dropping scratch databases (default: "postgres" or "mysql").',
    example: 'postgres',
    maxLength: 63,
  })
  @IsOptional()
  @IsString()
  @IsByteLength(1, 63)
  @NoControlCharacters('maintenanceDatabase')
  maintenanceDatabase?: string;

  @ConnectionUsername('User to connect as; it must be allowed to create and drop databases.', 'drills')
  username!: string;

  @ConnectionPassword('Password of that user. Stored encrypted (AES-256-GCM, CREDENTIALS_KEY) and never returned.')
  password!: string;
}

/** Any subset of the sandbox's fields; a new password replaces the stored one. */
export class UpdateSandboxDto extends PartialType(CreateSandboxDto) {}
