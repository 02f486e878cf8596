import { ApiProperty } from '@nestjs/swagger';
import { createdAndUpdated } from '../../core/http/response-dates.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';
import type { SandboxEntity } from '../sandbox.entity.js';

/** A sandbox as the API shows it: never its password. */
export class SandboxResponseDto {
  @ApiProperty({ example: '1' })
  sandboxId!: string;

  @ApiProperty({ example: 'pg-sandbox' })
  name!: string;

  @ApiProperty({ enum: ENGINES, example: 'postgres' })
  engine!: EngineName;

  @ApiProperty({ example: '10.0.0.9' })
  host!: string;

  @ApiProperty({ example: 5432 })
  port!: number;

  @ApiProperty({ example: 'postgres' })
  maintenanceDatabase!: string;

  @ApiProperty({ example: 'drills' })
  username!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  updatedAt!: string;

  static from(entity: SandboxEntity): SandboxResponseDto {
    return {
      sandboxId: entity.id,
      name: entity.name,
      engine: entity.engine,
      host: entity.host,
      port: entity.port,
      maintenanceDatabase: entity.maintenanceDatabase,
      username: entity.username,
      ...createdAndUpdated(entity),
    };
  }
}
