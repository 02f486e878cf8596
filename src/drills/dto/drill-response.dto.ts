import { ApiProperty } from '@nestjs/swagger';
import { isoSeconds } from '../../core/http/id-param.js';
import { ManifestComparisonDto } from '../../restores/dto/restore-response.dto.js';
import { DRILL_STATUSES, DRILL_TRIGGERS, type DrillEntity, type DrillStatus, type DrillTrigger } from '../drill.entity.js';
import type { ProbeResult } from '../drill-probe.js';
import { DRILL_PHASES, type DrillPhase } from '../drill-progress.js';
import { DrillProbeDto } from './create-drill.dto.js';

export class DrillTriggeredDto {
  @ApiProperty({ example: 'Drill of database ID 123 triggered' })
  message!: string;

  @ApiProperty({ example: '5' })
  drillId!: string;

  @ApiProperty({ enum: DRILL_STATUSES, example: 'queued' })
  status!: DrillStatus;
}

export class ProbeResultDto implements ProbeResult {
  @ApiProperty({ example: true })
  passed!: boolean;

  @ApiProperty({ description: 'The first column of the first row, as text (null: no row, or NULL).', example: '412', nullable: true, type: String })
  value!: string | null;

  @ApiProperty({ description: 'Why it did not pass.', example: null, nullable: true, type: String })
  reason!: string | null;
}

export class DrillProgressDto {
  @ApiProperty({
    enum: DRILL_PHASES,
    description:
      'downloading: the stored file and catalog are read and checked, the sandbox pre-flighted; restoring: the ' +
      "scratch database is created and the restore tool replays the dump; checking: the copy is measured against the " +
      "backup's manifest; probing: the probe runs on the copy.",
    example: 'restoring',
  })
  phase!: DrillPhase;

  @ApiProperty({ description: 'Bytes of the stored backup file read so far (updated every second).', example: 52428800 })
  bytesRead!: number;

  /** Only a running drill has progress. */
  static from(drill: DrillEntity): DrillProgressDto | null {
    if (drill.status !== 'running' || !drill.progressPhase) return null;
    return { phase: drill.progressPhase, bytesRead: Number(drill.progressBytes ?? 0) };
  }
}

export class DrillResponseDto {
  @ApiProperty({ example: '5' })
  drillId!: string;

  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ description: 'Null once the sandbox was removed.', example: '1', nullable: true, type: String })
  sandboxId!: string | null;

  @ApiProperty({
    description: "The backup restored: the database's newest successful one when the drill started (null before, or once deleted).",
    example: '42',
    nullable: true,
    type: String,
  })
  backupId!: string | null;

  @ApiProperty({ enum: DRILL_TRIGGERS, example: 'manual' })
  trigger!: DrillTrigger;

  @ApiProperty({ enum: DRILL_STATUSES, example: 'success' })
  status!: DrillStatus;

  @ApiProperty({ description: 'The drill schedule whose tick made this drill; null for a drill run now.', example: null, nullable: true, type: String })
  scheduleId!: string | null;

  @ApiProperty({ description: "The schedule tick this drill stands for (one drill per tick); null for a drill run now.", example: null, nullable: true, type: String })
  scheduledFor!: string | null;

  @ApiProperty({ description: 'When the drill was requested.', example: '2024-09-12T13:00:00Z' })
  timestamp!: string;

  @ApiProperty({ example: '2024-09-12T13:00:01Z', nullable: true, type: String })
  startedAt!: string | null;

  @ApiProperty({ example: '2024-09-12T13:00:20Z', nullable: true, type: String })
  finishedAt!: string | null;

  @ApiProperty({ description: 'Why the drill failed.', example: null, nullable: true, type: String })
  error!: string | null;

  @ApiProperty({
    description:
      'Seconds from creating the scratch database to the end of the restore tool: how long getting this database ' +
      'back takes on this hardware (null until measured).',
    example: 12.4,
    nullable: true,
    type: Number,
  })
  restoreTimeSeconds!: number | null;

  @ApiProperty({ description: 'The scratch database on the sandbox (always dropped).', example: 'dbbackup_drill_5_mwvycsjf_1', nullable: true, type: String })
  scratchDatabase!: string | null;

  @ApiProperty({ description: 'Whether the scratch database is known to be dropped.', example: true })
  scratchDropped!: boolean;

  @ApiProperty({ example: 'pg_restore 15.19', nullable: true, type: String })
  toolVersion!: string | null;

  @ApiProperty({ type: ManifestComparisonDto, nullable: true, description: "The scratch copy measured against the backup's manifest." })
  verification!: ManifestComparisonDto | null;

  @ApiProperty({ type: DrillProbeDto, nullable: true, description: 'The probe the drill was asked to run.' })
  probe!: DrillProbeDto | null;

  @ApiProperty({ type: ProbeResultDto, nullable: true, description: 'The probe\'s outcome (null: no probe, or not reached).' })
  probeResult!: ProbeResultDto | null;

  @ApiProperty({ type: DrillProgressDto, nullable: true, description: 'Phase and bytes read while the drill runs; null otherwise.' })
  progress!: DrillProgressDto | null;

  static from(drill: DrillEntity): DrillResponseDto {
    return {
      drillId: drill.id,
      databaseId: drill.databaseId,
      sandboxId: drill.sandboxId,
      backupId: drill.backupId,
      trigger: drill.trigger,
      status: drill.status,
      scheduleId: drill.scheduleId,
      scheduledFor: isoSeconds(drill.scheduledFor),
      timestamp: isoSeconds(drill.requestedAt),
      startedAt: isoSeconds(drill.startedAt),
      finishedAt: isoSeconds(drill.finishedAt),
      error: drill.error,
      restoreTimeSeconds: drill.restoreTimeSeconds === null ? null : Number(drill.restoreTimeSeconds),
      scratchDatabase: drill.scratchDatabase,
      scratchDropped: drill.scratchDroppedAt !== null,
      toolVersion: drill.toolVersion,
      verification: drill.verification as ManifestComparisonDto | null,
      probe: drill.probe as DrillProbeDto | null,
      probeResult: drill.probeResult,
      progress: DrillProgressDto.from(drill),
    };
  }
}
