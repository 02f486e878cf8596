import { ApiProperty } from '@nestjs/swagger';
import { createdAndUpdated } from '../../core/http/response-dates.js';
import { COMPRESSIONS, type Compression } from '../../storage/compression.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';
import type { DatabaseEntity } from '../database.entity.js';

/** A registered database as the API shows it: never with its password. */
export class DatabaseResponseDto {
  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ example: 'my_database' })
  name!: string;

  @ApiProperty({ enum: ENGINES, example: 'postgres' })
  engine!: EngineName;

  @ApiProperty({ example: '127.0.0.1' })
  host!: string;

  @ApiProperty({ example: 5432 })
  port!: number;

  @ApiProperty({ example: 'my_database' })
  database!: string;

  @ApiProperty({ example: 'backup' })
  username!: string;

  @ApiProperty({ enum: COMPRESSIONS, example: 'zstd' })
  compression!: Compression;

  @ApiProperty({ example: false })
  encrypted!: boolean;

  @ApiProperty({ description: 'null: the local directory', example: null, nullable: true, type: String })
  storageTargetId!: string | null;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  createdAt!: string;

  @ApiProperty({ example: '2024-09-12T12:00:00Z' })
  updatedAt!: string;

  static from(entity: DatabaseEntity): DatabaseResponseDto {
    return {
      databaseId: entity.id,
      name: entity.name,
      engine: entity.engine,
      host: entity.host,
      port: entity.port,
      database: entity.database,
      username: entity.username,
      compression: entity.compression,
      encrypted: entity.encrypted,
      storageTargetId: entity.storageTargetId,
      ...createdAndUpdated(entity),
    };
  }
}

export class ConnectionTestResponseDto {
  @ApiProperty({ example: true })
  ok!: boolean;

  @ApiProperty({ description: 'Version reported by the server.', example: '15.19' })
  serverVersion!: string;

  @ApiProperty({ description: 'Time to connect and ask, in milliseconds.', example: 12 })
  latencyMs!: number;
}
