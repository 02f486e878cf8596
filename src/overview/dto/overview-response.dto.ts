import { ApiProperty } from '@nestjs/swagger';
import { BACKUP_ANOMALY_KINDS, type BackupAnomalyKind } from '../../backups/backup-anomalies.js';
import { BACKUP_STATUSES, BACKUP_TRIGGERS, type BackupStatus, type BackupTrigger } from '../../backups/backup.entity.js';
import { ENGINES, type EngineName } from '../../engines/engine-name.js';
import { FRESHNESS, type Freshness, OVERVIEW_STATES, type OverviewState } from '../overview-state.js';

export class OverviewLatestBackupDto {
  @ApiProperty({ example: '42' })
  backupId!: string;

  @ApiProperty({ enum: BACKUP_STATUSES, example: 'success' })
  status!: BackupStatus;

  @ApiProperty({ enum: BACKUP_TRIGGERS, example: 'schedule' })
  trigger!: BackupTrigger;

  @ApiProperty({ example: '2024-09-12T02:30:00Z' })
  requestedAt!: string;

  @ApiProperty({ description: 'Why it failed (failed backups only).', example: null, nullable: true, type: String })
  error!: string | null;
}

export class OverviewSuccessDto {
  @ApiProperty({ example: '42' })
  backupId!: string;

  @ApiProperty({ example: '2024-09-12T02:30:00Z' })
  requestedAt!: string;

  @ApiProperty({ example: '2024-09-12T02:31:10Z', nullable: true, type: String })
  finishedAt!: string | null;

  @ApiProperty({ description: 'Bytes of the stored file.', example: 1048576, nullable: true, type: Number })
  sizeBytes!: number | null;
}

export class OverviewAnomalyDto {
  @ApiProperty({ enum: BACKUP_ANOMALY_KINDS, example: 'size-shrink' })
  kind!: BackupAnomalyKind;

  @ApiProperty({ example: 'The file is 62% smaller than the median of the last 10 successful backups' })
  message!: string;
}

export class OverviewLastDrillDto {
  @ApiProperty({ example: '5' })
  drillId!: string;

  @ApiProperty({ enum: ['success', 'failed'], example: 'success' })
  status!: 'success' | 'failed';

  @ApiProperty({ example: '2024-09-12T04:02:00Z', nullable: true, type: String })
  finishedAt!: string | null;
}

/** One registered database on the overview. */
export class OverviewDatabaseDto {
  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ example: 'my_database' })
  name!: string;

  @ApiProperty({ enum: ENGINES, example: 'postgres' })
  engine!: EngineName;

  @ApiProperty({
    enum: OVERVIEW_STATES,
    description:
      'The worst thing about the database, worst first: failed (its latest backup failed), missed (a schedule is ' +
      'missed), never (no successful backup), warning (warnings or anomalies on the last success, or a failed last ' +
      'drill), ok.',
    example: 'ok',
  })
  state!: OverviewState;

  @ApiProperty({
    enum: FRESHNESS,
    description:
      'none: no successful backup; missed: a schedule is missed; late: a tick passed since the last success (within ' +
      'the grace), or, without an enabled schedule, the last success is older than 25 hours; fresh otherwise.',
    example: 'fresh',
  })
  freshness!: Freshness;

  @ApiProperty({ type: OverviewLatestBackupDto, nullable: true, description: 'The newest backup, whatever its status.' })
  latestBackup!: OverviewLatestBackupDto | null;

  @ApiProperty({ type: OverviewSuccessDto, nullable: true, description: 'The newest successful backup.' })
  lastSuccess!: OverviewSuccessDto | null;

  @ApiProperty({ description: 'Soonest next tick of the enabled backup schedules; null without one.', example: '2024-09-13T02:30:00Z', nullable: true, type: String })
  nextRunAt!: string | null;

  @ApiProperty({ description: 'True when an enabled schedule has no successful backup since its expected tick.', example: false })
  missedSchedule!: boolean;

  @ApiProperty({ type: OverviewLastDrillDto, nullable: true, description: 'The newest finished restore drill.' })
  lastDrill!: OverviewLastDrillDto | null;

  @ApiProperty({ description: 'Restore time of the newest successful drill, in seconds.', example: 12.4, nullable: true, type: Number })
  restoreTimeSeconds!: number | null;

  @ApiProperty({ description: "The last successful backup's warnings.", example: [], type: [String] })
  warnings!: string[];

  @ApiProperty({ description: "The last successful backup's anomalies.", type: [OverviewAnomalyDto] })
  anomalies!: OverviewAnomalyDto[];

  @ApiProperty({ description: 'File sizes of the last 30 successful backups, oldest first.', example: [1040000, 1048576], type: [Number] })
  sizes!: number[];
}
