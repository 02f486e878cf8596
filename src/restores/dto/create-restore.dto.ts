import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { DEFAULT_RESTORE_OPTIONS, type RestoreOptions, type TableSelection } from '../../engines/engine.js';

/**
 * A table as a backup's manifest names it: "schema.table" (PostgreSQL) or "table" (MySQL/MariaDB), each part a plain
 * identifier (letters, digits, _ and $, not starting with a digit).
 */
export const TABLE_NAME = /^(?:[A-Za-z_][A-Za-z0-9_$]{0,62}\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const TABLE_NAME_MESSAGE = 'must be "schema.table" (PostgreSQL) or "table" (MySQL), plain identifiers';
export const MAX_RESTORED_TABLES = 100;

function schemaOf(name: string): string | null {
  const dot = name.indexOf('.');
  return dot < 0 ? null : name.slice(0, dot);
}

/**
 * What is wrong with a `rename` given the requested `tables`, or null: an object whose keys are in `tables` and whose
 * values are table names in the same schema as their key (or unqualified, like it), distinct, none also requested.
 */
export function renameProblem(rename: unknown, tables: unknown, schemas?: unknown): string | null {
  if (typeof rename !== 'object' || rename === null || Array.isArray(rename)) return 'rename must be an object: {"<table>": "<new name>"}';
  const requested = Array.isArray(tables) ? tables.map(String) : [];
  if (requested.length === 0) return 'rename needs tables: it renames some of them';
  if (schemas !== undefined) return 'rename cannot be combined with schemas';
  const entries = Object.entries(rename as Record<string, unknown>);
  if (entries.length === 0) return 'rename must name at least one table';
  const seen = new Set<string>();
  for (const [from, to] of entries) {
    if (!requested.includes(from)) return `rename: "${from}" is not one of tables`;
    if (typeof to !== 'string' || !TABLE_NAME.test(to)) return `rename: the new name of "${from}" ${TABLE_NAME_MESSAGE}`;
    if (schemaOf(to) !== schemaOf(from)) {
      return `rename: the new name of "${from}" must be in the same schema${schemaOf(from) === null ? ' (unqualified, like it)' : ` ("${schemaOf(from)}.…")`}`;
    }
    if (requested.includes(to)) return `rename: the new name of "${from}", "${to}", is also a name in tables`;
    if (seen.has(to)) return `rename: two tables cannot both be renamed "${to}"`;
    seen.add(to);
  }
  return null;
}

function requestedOf(dto: CreateRestoreDto): [tables: unknown, schemas: unknown] {
  return [dto.tables, dto.schemas];
}

/** class-validator: a `rename` that renameProblem accepts, with its reason as the message. */
function IsTableRename(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTableRename',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown, args) => renameProblem(value, ...requestedOf(args?.object as CreateRestoreDto)) === null,
        defaultMessage: (args) => renameProblem(args?.value, ...requestedOf(args?.object as CreateRestoreDto)) ?? 'rename is invalid',
      },
    });
}

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
      'Restore only these tables, named as GET /backups/{backupId}/contents names them: "schema.table" (PostgreSQL) ' +
      'or "table" (MySQL/MariaDB). Each comes with its defaults, constraints (not foreign keys, which reference other ' +
      'tables), indexes and triggers; PostgreSQL also with its owned sequences, comments and grants. They go into the ' +
      'target database as it is: nothing else there is touched, and no fresh copy is switched in, so `confirm` is not ' +
      'needed. A named table that the target already holds fails the restore (409 at request time); a name the backup ' +
      'does not hold is refused (422).',
    example: ['public.invoice'],
    maxItems: MAX_RESTORED_TABLES,
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(MAX_RESTORED_TABLES)
  @IsString({ each: true })
  @Matches(TABLE_NAME, { each: true, message: `each table ${TABLE_NAME_MESSAGE}` })
  tables?: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'PostgreSQL: restore these whole schemas, each with everything in it (tables, views, sequences, functions, ' +
      'types, indexes, constraints, triggers, comments, grants; with `data` rows and sequence values), into the target ' +
      'database as it is, alone or with `tables`. Foreign keys that reference a table outside the restored schemas ' +
      'are left out. A schema the target already has fails the restore (409); one the backup holds no table of is ' +
      'refused (422). MySQL/MariaDB: refused (422), a backup holding one database.',
    example: ['sales'],
    maxItems: MAX_RESTORED_TABLES,
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(MAX_RESTORED_TABLES)
  @IsString({ each: true })
  @Matches(SCHEMA_NAME, { each: true, message: 'each schema must be a plain identifier (letters, digits, _ and $)' })
  schemas?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'With `tables`: restore some of them under another name, `{"<name in tables>": "<new name>"}`, e.g. beside the ' +
      'table itself in the source database. A new name stays in its schema (PostgreSQL), is distinct and is not ' +
      'another requested name; the target must not have it (409). The renamed table\'s triggers are renamed too ' +
      '(trigger names are unique per database in MySQL) and, in PostgreSQL, its indexes, constraints and owned ' +
      'sequences whose names would clash.',
    example: { 'public.invoice': 'public.invoice_yesterday' },
  })
  @IsOptional()
  @IsTableRename()
  rename?: Record<string, string>;

  @ApiPropertyOptional({
    default: true,
    description: 'With `tables` or `schemas`: restore their rows (and sequence values) too; false restores only their definitions.',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  data?: boolean;
}

/** The tables and schemas a request names, with `data` defaulted (and `rename` if any); null for a restore of the whole database. */
export function tableSelectionOf(dto: CreateRestoreDto): TableSelection | null {
  if (!dto.tables && !dto.schemas) return null;
  return {
    names: dto.tables ?? [],
    data: dto.data ?? true,
    ...(dto.schemas ? { schemas: dto.schemas } : {}),
    ...(dto.rename ? { rename: dto.rename } : {}),
  };
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
