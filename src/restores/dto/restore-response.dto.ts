import { ApiProperty } from '@nestjs/swagger';
import type { ManifestComparison, ManifestDifference } from '../../engines/backup-catalog.js';
import { DEFAULT_RESTORE_OPTIONS, type RestoreOptions } from '../../engines/engine.js';
import { OWNERSHIP_MODES } from './create-restore.dto.js';
import { BACKUP_STATUSES } from '../../backups/backup.entity.js';
import { isoSeconds } from '../../core/http/id-param.js';
import type { RestoreEntity, RestoreStatus } from '../restore.entity.js';
import { RESTORE_PHASES, type RestorePhase } from '../restore-progress.js';

export class RestoreProgressDto {
  @ApiProperty({
    enum: RESTORE_PHASES,
    description:
      'downloading: the stored file and catalog are read and checked, the target pre-flighted and the fresh database ' +
      "created; restoring: the restore tool replays the dump; checking: the copy is measured against the backup's " +
      'manifest; switching: the copy is renamed into place (no longer cancellable).',
    example: 'restoring',
  })
  phase!: RestorePhase;

  @ApiProperty({ description: 'Bytes of the stored backup file read so far (updated every second).', example: 52428800 })
  bytesRead!: number;

  /** Only a running restore has progress. */
  static from(restore: RestoreEntity): RestoreProgressDto | null {
    if (restore.status !== 'running' || !restore.progressPhase) return null;
    return { phase: restore.progressPhase, bytesRead: Number(restore.progressBytes ?? 0) };
  }
}

export class RestoreTriggeredDto {
  @ApiProperty({ example: 'Restore of backup 1 into database ID 124 triggered' })
  message!: string;

  @ApiProperty({ example: '7' })
  restoreId!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'queued' })
  status!: RestoreStatus;
}

export class RestoreOptionsDto implements RestoreOptions {
  @ApiProperty({ enum: OWNERSHIP_MODES, example: 'preserve' })
  ownership!: RestoreOptions['ownership'];

  @ApiProperty({ example: false })
  createMissingRoles!: boolean;

  @ApiProperty({ example: false })
  rewriteMissingDefiners!: boolean;

  @ApiProperty({ example: false })
  terminateConnections!: boolean;
}

export class ManifestDifferenceDto implements ManifestDifference {
  @ApiProperty({ enum: ['rows', 'objects', 'sequence'], example: 'rows' })
  kind!: ManifestDifference['kind'];

  @ApiProperty({ description: 'Table ("schema.table"), object kind or sequence.', example: 'public.invoice' })
  name!: string;

  @ApiProperty({ description: 'In the backup (null: absent).', example: 412, nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] })
  expected!: number | string | null;

  @ApiProperty({ description: 'In the restored copy (null: absent).', example: 411, nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] })
  actual!: number | string | null;
}

export class ManifestComparisonDto implements ManifestComparison {
  @ApiProperty({ enum: ['passed', 'failed'], example: 'passed' })
  status!: 'passed' | 'failed';

  @ApiProperty({ description: 'Tables whose rows were counted.', example: 11 })
  tables!: number;

  @ApiProperty({ description: 'Rows in the backup, all tables.', example: 15607 })
  rows!: number;

  @ApiProperty({ description: 'Objects counted, all kinds.', example: 64 })
  objects!: number;

  @ApiProperty({ example: 11 })
  sequences!: number;

  @ApiProperty({ description: 'How the backup\'s counts relate to its dump: "snapshot" means exactly.', example: 'snapshot' })
  consistency!: string;

  @ApiProperty({ type: [ManifestDifferenceDto], description: 'Empty when passed.' })
  differences!: ManifestDifferenceDto[];
}

export class RestoreResponseDto {
  @ApiProperty({ example: '7' })
  restoreId!: string;

  @ApiProperty({ description: 'Null once the backup has been deleted.', example: '1', nullable: true, type: String })
  backupId!: string | null;

  @ApiProperty({ example: '123' })
  sourceDatabaseId!: string;

  @ApiProperty({ example: '124' })
  targetDatabaseId!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'success' })
  status!: RestoreStatus;

  @ApiProperty({ description: 'When the restore was requested.', example: '2024-09-12T13:00:00Z' })
  timestamp!: string;

  @ApiProperty({ example: '2024-09-12T13:00:01Z', nullable: true, type: String })
  startedAt!: string | null;

  @ApiProperty({ example: '2024-09-12T13:00:20Z', nullable: true, type: String })
  finishedAt!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  error!: string | null;

  @ApiProperty({ example: 'pg_restore 15.19', nullable: true, type: String })
  toolVersion!: string | null;

  @ApiProperty({ type: RestoreOptionsDto })
  options!: RestoreOptionsDto;

  @ApiProperty({
    type: [String],
    nullable: true,
    description:
      'A partial restore: the tables it restores ("schema.table" for PostgreSQL, "table" for MySQL); null when it ' +
      'restores the whole database.',
    example: null,
  })
  tables!: string[] | null;

  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: "A partial restore: whether the tables' rows are restored too; null for a whole-database restore.",
    example: null,
  })
  data!: boolean | null;

  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'A partial restore: the whole schemas it restores (PostgreSQL); null if none.',
    example: null,
  })
  schemas!: string[] | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'A partial restore: the tables restored under another name (name in `tables` → new name); null if none.',
    example: null,
  })
  rename!: Record<string, string> | null;

  @ApiProperty({
    type: ManifestComparisonDto,
    nullable: true,
    description:
      "The restored copy measured against the backup's manifest before it was switched in (null until measured). " +
      'A restore is `success` only when it passed.',
  })
  verification!: ManifestComparisonDto | null;

  @ApiProperty({
    description:
      "The database that held the target's name before this restore switched its copy in: the previous content, kept " +
      'until asideExpiresAt (RESTORE_ASIDE_KEEP_SECONDS) or DELETE /restores/{restoreId}/aside.',
    example: 'dbbackup_aside_7',
    nullable: true,
    type: String,
  })
  asideDatabase!: string | null;

  @ApiProperty({ example: '2024-09-19T13:00:20Z', nullable: true, type: String })
  asideExpiresAt!: string | null;

  @ApiProperty({ description: 'When the aside database was dropped.', example: null, nullable: true, type: String })
  asideDroppedAt!: string | null;

  @ApiProperty({ description: 'While the restore runs: its phase and bytes read so far; null otherwise.', type: RestoreProgressDto, nullable: true, example: null })
  progress!: RestoreProgressDto | null;

  static from(entity: RestoreEntity): RestoreResponseDto {
    return {
      restoreId: entity.id,
      backupId: entity.backupId,
      sourceDatabaseId: entity.sourceDatabaseId,
      targetDatabaseId: entity.targetDatabaseId,
      status: entity.status,
      timestamp: isoSeconds(entity.requestedAt),
      startedAt: isoSeconds(entity.startedAt),
      finishedAt: isoSeconds(entity.finishedAt),
      error: entity.error,
      toolVersion: entity.toolVersion,
      options: { ...DEFAULT_RESTORE_OPTIONS, ...entity.options },
      tables: entity.tables?.names ?? null,
      data: entity.tables?.data ?? null,
      schemas: entity.tables?.schemas ?? null,
      rename: entity.tables?.rename ?? null,
      verification: entity.verification,
      asideDatabase: entity.asideDatabase,
      asideExpiresAt: isoSeconds(entity.asideExpiresAt),
      asideDroppedAt: isoSeconds(entity.asideDroppedAt),
      progress: RestoreProgressDto.from(entity),
    };
  }
}
