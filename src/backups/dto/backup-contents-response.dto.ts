import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';
import type { ContentsObject } from '../backup-contents.js';

export class BackupObjectDto {
  @ApiProperty({
    description:
      'What the object is: schema, extension, table, view, materialized view, sequence, type, domain, function, procedure, ' +
      'aggregate, trigger, event, index, constraint, foreign key, … (PostgreSQL: as its table of contents names it; ' +
      'MySQL: table, view, procedure, function, trigger, event, sequence).',
    example: 'table',
  })
  kind!: string;

  @ApiProperty({
    description: "The object's schema (PostgreSQL); null for a schema or an extension, and for every MySQL object (one database per dump).",
    type: String,
    nullable: true,
    example: 'public',
  })
  schema!: string | null;

  @ApiProperty({
    description: 'Its name, as the archive gives it (PostgreSQL functions with their argument types, triggers and constraints after their table).',
    example: 'album',
  })
  name!: string;

  @ApiPropertyOptional({
    description: "Tables only: the rows the backup's manifest counted, in the dump's own snapshot. Absent for a backup taken before manifests were recorded.",
    example: 347,
  })
  rows?: number;
}

export class BackupContentsDto {
  @ApiProperty({ example: '1' })
  backupId!: string;

  @ApiProperty({ enum: ENGINES, example: 'postgres' })
  engine!: EngineName;

  @ApiProperty({
    type: [BackupObjectDto],
    description: 'Every object the backup holds, sorted by kind (schemas, extensions, tables, views, sequences, …, functions, triggers, indexes, constraints), then schema, then name.',
  })
  objects!: BackupObjectDto[];

  static from(backupId: string, engine: EngineName, objects: ContentsObject[]): BackupContentsDto {
    return { backupId, engine, objects };
  }
}
