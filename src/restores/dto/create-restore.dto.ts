import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { DEFAULT_RESTORE_OPTIONS, type RestoreOptions, type TableSelection } from '../../engines/engine.js';

/** "schema.table", each part a plain identifier (letters, digits, _ and $, not starting with a digit). */
export const QUALIFIED_TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
export const MAX_RESTORED_TABLES = 100;

export const OWNERSHIP_MODES = ['preserve', 'restoring-user'] as const;

export class CreateRestoreDto {
  @ApiPropertyOptional({
    description:
      'Registered database to restore into (same engine family; see GET /databases). Default: the database the backup was taken from.',
    example: 'REPLACE_WITH_TARGET_DATABASE_ID',
  })
  @IsOptional()
  @Transform(idToString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  targetDatabaseId?: string;

  @ApiPropertyOptional({
    description: 'Required (true) when restoring into the source database, whose objects are replaced.',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  confirm?: boolean;

  @ApiPropertyOptional({
    enum: OWNERSHIP_MODES,
    default: 'preserve',
    description:
      '`preserve`: owners, privileges and definers as in the backup (the target server must have the roles or ' +
      'accounts; see createMissingRoles / rewriteMissingDefiners). `restoring-user`: every object is owned by the ' +
      "registration's user and no grant is restored (PostgreSQL pg_restore --no-owner --no-privileges; MySQL definers " +
      'become the restoring account).',
  })
  @IsOptional()
  @IsIn(OWNERSHIP_MODES)
  ownership?: RestoreOptions['ownership'];

  @ApiPropertyOptional({
    default: false,
    description:
      'PostgreSQL: create the roles the backup needs that the target server lacks, with the attributes and ' +
      'memberships recorded at backup time (never a password). Without it such a restore fails before writing, naming them.',
  })
  @IsOptional()
  @IsBoolean()
  createMissingRoles?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      "MySQL/MariaDB: views, routines, triggers and events whose DEFINER account is missing on the target get the " +
      'restoring account instead. Without it such a restore fails before writing, naming the accounts.',
  })
  @IsOptional()
  @IsBoolean()
  rewriteMissingDefiners?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'The restored copy is switched in under the target\'s name once checked, which needs no other session on the ' +
      'target database. true: end those sessions at the switch. false: the restore fails there, naming how many, ' +
      'and the target is left as it was.',
  })
  @IsOptional()
  @IsBoolean()
  terminateConnections?: boolean;

  @ApiPropertyOptional({
    type: [String],
    description:
      'PostgreSQL: restore only these tables ("schema.table"), each with its owned sequences, defaults, constraints ' +
      '(not foreign keys, which reference other tables), indexes, triggers, comments and grants, into the target ' +
      'database as it is: nothing else there is touched, and no fresh copy is switched in. A named table that the ' +
      'target already holds fails the restore; a name the backup does not hold is refused (422).',
    example: ['public.invoice'],
    maxItems: MAX_RESTORED_TABLES,
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(MAX_RESTORED_TABLES)
  @IsString({ each: true })
  @Matches(QUALIFIED_TABLE_NAME, { each: true, message: 'each table must be "schema.table" (plain identifiers)' })
  tables?: string[];

  @ApiPropertyOptional({
    default: true,
    description: 'With `tables`: restore their rows (and sequence values) too; false restores only their definitions.',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  data?: boolean;
}

/** The tables a request names, with `data` defaulted; null for a restore of the whole database. */
export function tableSelectionOf(dto: CreateRestoreDto): TableSelection | null {
  return dto.tables ? { names: dto.tables, data: dto.data ?? true } : null;
}

/** The request's options with every default filled in, as recorded on the restore. */
export function restoreOptionsOf(dto: CreateRestoreDto): RestoreOptions {
  return {
    ownership: dto.ownership ?? DEFAULT_RESTORE_OPTIONS.ownership,
    createMissingRoles: dto.createMissingRoles ?? DEFAULT_RESTORE_OPTIONS.createMissingRoles,
    rewriteMissingDefiners: dto.rewriteMissingDefiners ?? DEFAULT_RESTORE_OPTIONS.rewriteMissingDefiners,
    terminateConnections: dto.terminateConnections ?? DEFAULT_RESTORE_OPTIONS.terminateConnections,
  };
}
