import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { idToString } from '../../core/http/id-param.js';
import { DEFAULT_RESTORE_OPTIONS, type RestoreOptions } from '../../engines/engine.js';

export const OWNERSHIP_MODES = ['preserve', 'restoring-user'] as const;

export class CreateRestoreDto {
  @ApiPropertyOptional({
    description: 'Registered database to restore into (same engine). Default: the database the backup was taken from.',
    example: '124',
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
