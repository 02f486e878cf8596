import { ApiProperty } from '@nestjs/swagger';
import { BACKUP_STATUSES } from '../../backups/backup.entity.js';
import { isoSeconds } from '../../core/http/id-param.js';
import type { RestoreEntity, RestoreStatus } from '../restore.entity.js';

export class RestoreTriggeredDto {
  @ApiProperty({ example: 'Restore of backup 1 into database ID 124 triggered' })
  message!: string;

  @ApiProperty({ example: '7' })
  restoreId!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'queued' })
  status!: RestoreStatus;
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
    };
  }
}
