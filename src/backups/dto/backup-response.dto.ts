import type { BackupManifest } from '../../engines/backup-catalog.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';
import { COMPRESSIONS, type Compression } from '../../storage/compression.js';
import {
  BACKUP_STATUSES,
  BACKUP_TRIGGERS,
  type BackupEntity,
  type BackupStatus,
  type BackupTrigger,
  VERIFICATION_STATUSES,
  type VerificationStatus,
} from '../backup.entity.js';
import type { BackupListRow } from '../backup-listing.js';
import { BACKUP_PHASES, type BackupPhase } from '../backup-progress.js';
import { BACKUP_ANOMALY_KINDS, type BackupAnomaly, type BackupAnomalyKind } from '../backup-anomalies.js';

export class BackupProgressDto {
  @ApiProperty({ description: 'What the running backup is doing.', enum: BACKUP_PHASES, example: 'dumping' })
  phase!: BackupPhase;

  @ApiProperty({ description: 'Bytes of the stored file written so far (updated about once a second).', example: 123456 })
  bytesWritten!: number;

  /** Only a running backup has progress. */
  static from(backup: BackupEntity): BackupProgressDto | null {
    if (backup.status !== 'running' || !backup.progressPhase) return null;
    return { phase: backup.progressPhase, bytesWritten: Number(backup.progressBytes ?? 0) };
  }
}

export class BackupTriggeredDto {
  @ApiProperty({ example: 'Backup triggered for database ID 123' })
  message!: string;

  @ApiProperty({ example: '1' })
  backupId!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'queued' })
  status!: BackupStatus;
}

export class BackupAnomalyDto implements BackupAnomaly {
  @ApiProperty({
    description:
      'size-shrink: the file is under half the median size of the last 10 successful backups of the database; ' +
      'size-growth: over twice it; duration: over 3× the median duration and at least 30 s longer.',
    enum: BACKUP_ANOMALY_KINDS,
    example: 'size-shrink',
  })
  kind!: BackupAnomalyKind;

  @ApiProperty({ description: "The backup's own measure: bytes (size kinds) or seconds (duration).", example: 10240 })
  value!: number;

  @ApiProperty({ description: 'Median of the same measure over the earlier backups compared with.', example: 251904 })
  median!: number;

  @ApiProperty({ description: 'How many earlier successful backups were compared with (3 to 10).', example: 10 })
  sampleSize!: number;

  @ApiProperty({
    example: 'Size 10240 bytes is under 0.5× the median of the last 10 successful backups (251904 bytes): did the dump miss data?',
  })
  message!: string;
}

/** Only backups with anomalies show the field: every other body stays as the spec has it. */
function anomaliesShown(anomalies: BackupAnomaly[] | null | undefined): Pick<BackupSummaryDto, 'anomalies'> {
  return anomalies && anomalies.length > 0 ? { anomalies } : {};
}

export class BackupSummaryDto {
  @ApiProperty({ example: '1' })
  backupId!: string;

  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ example: 'my_database' })
  databaseName!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'success' })
  status!: BackupStatus;

  @ApiProperty({ description: 'When the backup was requested, ISO 8601 UTC.', example: '2024-09-12T12:30:00Z' })
  timestamp!: string;

  @ApiProperty({ description: 'Who asked for it: a POST /backups, or a schedule tick.', enum: BACKUP_TRIGGERS, example: 'manual' })
  trigger!: BackupTrigger;

  @ApiPropertyOptional({
    description:
      "Present only on a successful backup whose size or duration departs sharply from its database's recent " +
      'successful backups (see the README, "Anomalies"). Not a failure: the backup is complete, but worth a look.',
    type: [BackupAnomalyDto],
  })
  anomalies?: BackupAnomalyDto[];

  static from(backup: BackupEntity, databaseName: string): BackupSummaryDto {
    return {
      backupId: backup.id,
      databaseId: backup.databaseId,
      databaseName,
      status: backup.status,
      timestamp: isoSeconds(backup.requestedAt),
      trigger: backup.trigger,
      ...anomaliesShown(backup.anomalies),
    };
  }

  /** A row of the listing (backupPageSql). */
  static fromListRow(row: BackupListRow): BackupSummaryDto {
    return {
      backupId: row.id,
      databaseId: row.database_id,
      databaseName: row.database_name,
      status: row.status,
      timestamp: row.timestamp,
      trigger: row.trigger,
      ...anomaliesShown(row.anomalies),
    };
  }
}

export class BackupManifestDto implements BackupManifest {
  @ApiProperty({ description: 'Rows per table ("schema.table" on PostgreSQL).', example: { 'public.artist': 275 }, additionalProperties: { type: 'number' } })
  tables!: Record<string, number>;

  @ApiProperty({ description: 'Objects per kind.', example: { table: 11, index: 22, sequence: 0 }, additionalProperties: { type: 'number' } })
  objects!: Record<string, number>;

  @ApiProperty({ description: 'Sequence states.', example: { 'public.artist_id_seq': '275' }, additionalProperties: { type: 'string' } })
  sequences!: Record<string, string>;

  @ApiProperty({ description: '"snapshot": exactly what the dump holds; otherwise how close.', example: 'snapshot' })
  consistency!: string;
}

export class BackupDetailsDto extends BackupSummaryDto {
  @ApiProperty({ description: 'Where the stored file is; null until it exists.', example: '/path/to/backup/file.sql', nullable: true, type: String })
  fileLocation!: string | null;

  @ApiProperty({ description: 'Size of the stored file in bytes.', example: 1048576, nullable: true, type: Number })
  sizeBytes!: number | null;

  @ApiProperty({
    description: 'sha256 of the stored file, hex.',
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    nullable: true,
    type: String,
  })
  checksum!: string | null;

  @ApiProperty({ description: 'The schedule that made it (trigger "schedule"), while that schedule exists.', example: null, nullable: true, type: String })
  scheduleId!: string | null;

  @ApiProperty({ description: 'The cron tick a scheduled backup was made for, ISO 8601 UTC.', example: null, nullable: true, type: String })
  scheduledFor!: string | null;

  @ApiProperty({ example: '2024-09-12T12:30:01Z', nullable: true, type: String })
  startedAt!: string | null;

  @ApiProperty({ example: '2024-09-12T12:30:09Z', nullable: true, type: String })
  finishedAt!: string | null;

  @ApiProperty({ description: 'Why the backup failed (or why the last attempt did, while it is retried).', example: null, nullable: true, type: String })
  error!: string | null;

  @ApiProperty({ description: 'Version of the database server that was dumped.', example: '15.19', nullable: true, type: String })
  serverVersion!: string | null;

  @ApiProperty({ description: 'Tool that made the dump.', example: 'pg_dump 15.19', nullable: true, type: String })
  toolVersion!: string | null;

  @ApiProperty({
    description: "Engine of the dumped database, recorded with the request: the file is verified and restored as this engine's.",
    enum: ENGINES,
    example: 'postgres',
  })
  engine!: EngineName;

  @ApiProperty({
    description: "Compression of the stored file (recorded with the request, from the database's registration, like encrypted and storageTargetId).",
    enum: COMPRESSIONS,
    example: 'zstd',
  })
  compression!: Compression;

  @ApiProperty({ description: 'Whether the stored file is encrypted (BACKUP_ENCRYPTION_KEY).', example: false })
  encrypted!: boolean;

  @ApiProperty({ description: 'Storage target holding the file; null for the local directory.', example: null, nullable: true, type: String })
  storageTargetId!: string | null;

  @ApiProperty({ description: 'Outcome of the last verification, if any.', enum: VERIFICATION_STATUSES, example: 'passed', nullable: true })
  verificationStatus!: VerificationStatus | null;

  @ApiProperty({ example: '2024-09-12T14:00:00Z', nullable: true, type: String })
  verifiedAt!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  verificationError!: string | null;

  @ApiProperty({ description: 'While the backup runs: its phase and bytes written so far; null otherwise.', type: BackupProgressDto, nullable: true, example: null })
  progress!: BackupProgressDto | null;

  @ApiProperty({
    description:
      'Columns or objects the dump tool is known to change (e.g. MariaDB FLOAT written with 6 significant digits, ' +
      'ENUM/SET members outside the Basic Multilingual Plane). The backup succeeded; restoring it may not give these ' +
      'values back exactly.',
    type: [String],
    example: ['Column `metrics`.`ratio` is FLOAT: mariadb-dump writes 6 significant digits, so values may change; use DOUBLE or DECIMAL'],
  })
  warnings!: string[];

  @ApiProperty({
    description:
      "The source's counts recorded with the dump (taken in the dump's own snapshot on PostgreSQL): rows per table, " +
      'objects per kind, sequence states. Every restore of this backup is checked against them. Null until the ' +
      'backup succeeds (and for backups taken before manifests existed).',
    type: BackupManifestDto,
    nullable: true,
  })
  manifest!: BackupManifestDto | null;

  static override from(backup: BackupEntity, databaseName: string): BackupDetailsDto {
    return {
      ...BackupSummaryDto.from(backup, databaseName),
      fileLocation: backup.fileLocation,
      sizeBytes: backup.sizeBytes === null ? null : Number(backup.sizeBytes),
      checksum: backup.checksum,
      scheduleId: backup.scheduleId,
      scheduledFor: isoSeconds(backup.scheduledFor),
      startedAt: isoSeconds(backup.startedAt),
      finishedAt: isoSeconds(backup.finishedAt),
      error: backup.error,
      serverVersion: backup.serverVersion,
      toolVersion: backup.toolVersion,
      engine: backup.engine,
      compression: backup.compression,
      encrypted: backup.encrypted,
      storageTargetId: backup.storageTargetId,
      verificationStatus: backup.verificationStatus,
      verifiedAt: isoSeconds(backup.verifiedAt),
      verificationError: backup.verificationError,
      progress: BackupProgressDto.from(backup),
      warnings: backup.warnings ?? [],
      manifest: backup.manifest,
    };
  }
}
