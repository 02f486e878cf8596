import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import type { RetentionPolicy } from '../retention-selection.js';

const MAX_COUNT = 100_000;

/** Grandfather-father-son: the newest backup of each of the N most recent UTC days / ISO weeks / months with one. */
export class GfsPolicyDto {
  @ApiPropertyOptional({ example: 7, minimum: 1, nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COUNT)
  daily?: number | null;

  @ApiPropertyOptional({ example: 4, minimum: 1, nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COUNT)
  weekly?: number | null;

  @ApiPropertyOptional({ example: 12, minimum: 1, nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COUNT)
  monthly?: number | null;
}

/** PUT body and GET answer: a backup is kept if ANY rule keeps it; absent or null rules keep nothing by themselves. */
export class RetentionPolicyDto {
  @ApiPropertyOptional({ description: 'Keep the N newest successful backups.', example: 3, minimum: 1, nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_COUNT)
  keepLast?: number | null;

  @ApiPropertyOptional({ description: 'Keep successful backups requested within the last D days.', example: 14, minimum: 1, nullable: true, type: Number })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36_500)
  keepDays?: number | null;

  @ApiPropertyOptional({ type: GfsPolicyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => GfsPolicyDto)
  gfs?: GfsPolicyDto;

  static toPolicy(dto: RetentionPolicyDto): RetentionPolicy {
    return {
      keepLast: dto.keepLast ?? null,
      keepDays: dto.keepDays ?? null,
      keepDaily: dto.gfs?.daily ?? null,
      keepWeekly: dto.gfs?.weekly ?? null,
      keepMonthly: dto.gfs?.monthly ?? null,
    };
  }

  static from(policy: RetentionPolicy | null): RetentionPolicyDto {
    return {
      keepLast: policy?.keepLast ?? null,
      keepDays: policy?.keepDays ?? null,
      gfs: { daily: policy?.keepDaily ?? null, weekly: policy?.keepWeekly ?? null, monthly: policy?.keepMonthly ?? null },
    };
  }
}

export class RetainedBackupDto {
  @ApiProperty({ example: '41' })
  backupId!: string;

  @ApiProperty({ description: 'When it was requested, ISO 8601 UTC.', example: '2024-09-12T02:30:00Z' })
  timestamp!: string;

  @ApiProperty({ description: 'Every rule that keeps it.', example: ['keepLast', 'gfs.daily'], type: [String] })
  keptBy!: string[];
}

export class ExpiredBackupDto {
  @ApiProperty({ example: '12' })
  backupId!: string;

  @ApiProperty({ example: '2024-08-01T02:30:00Z' })
  timestamp!: string;

  @ApiProperty({ description: 'Why no rule keeps it.', example: 'not among the last 3; older than 14 days' })
  reason!: string;
}

export class RetentionPreviewDto {
  @ApiProperty({ example: '123' })
  databaseId!: string;

  @ApiProperty({ type: RetentionPolicyDto })
  policy!: RetentionPolicyDto;

  @ApiProperty({ description: 'Successful backups the policy would delete now, newest first.', type: [ExpiredBackupDto] })
  delete!: ExpiredBackupDto[];

  @ApiProperty({ description: 'Successful backups it keeps, newest first. Other statuses are never touched.', type: [RetainedBackupDto] })
  keep!: RetainedBackupDto[];
}

export class RetentionEnforcementDto {
  @ApiProperty({ example: 'Retention enforcement queued for database ID 123' })
  message!: string;
}
