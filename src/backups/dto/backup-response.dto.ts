import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
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
import { BACKUP_PHASES, type BackupPhase } from '../backup-progress.js';

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

  static from(backup: BackupEntity, databaseName: string): BackupSummaryDto {
    return {
      backupId: backup.id,
      databaseId: backup.databaseId,
      databaseName,
      status: backup.status,
      timestamp: isoSeconds(backup.requestedAt),
      trigger: backup.trigger,
    };
  }
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

  @ApiProperty({ description: 'Compression of the stored file.', enum: COMPRESSIONS, example: 'zstd' })
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
      compression: backup.compression,
      encrypted: backup.encrypted,
      storageTargetId: backup.storageTargetId,
      verificationStatus: backup.verificationStatus,
      verifiedAt: isoSeconds(backup.verifiedAt),
      verificationError: backup.verificationError,
      progress: BackupProgressDto.from(backup),
    };
  }
}
