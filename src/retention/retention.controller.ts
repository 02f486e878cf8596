import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { QueueUnavailableError } from '../backups/backups.errors.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { DatabasesService } from '../databases/databases.service.js';
import { RetentionEnforcementDto, RetentionPolicyDto, RetentionPreviewDto } from './dto/retention-policy.dto.js';
import { requestRetention } from '../core/queue/retention-requests.js';
import { RetentionService } from './retention.service.js';

const DATABASE_NOT_FOUND: [number, string] = [404, 'Database not found'];
const POLICY_EXAMPLE = { keepLast: 3, keepDays: 14, gfs: { daily: 7, weekly: 4, monthly: 12 } };

@ApiTags('retention')
@Controller('databases/:databaseId/retention')
export class RetentionController {
  constructor(
    private readonly retention: RetentionService,
    private readonly databases: DatabasesService,
    private readonly queues: JobQueues,
  ) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: "Get a database's retention policy (all rules null: every backup is kept)" })
  @ApiResponse({ status: 200, description: 'The retention policy.', type: RetentionPolicyDto, example: POLICY_EXAMPLE })
  @ApiErrors(DATABASE_NOT_FOUND)
  async get(@Param('databaseId') databaseId: string): Promise<RetentionPolicyDto> {
    return RetentionPolicyDto.from(await this.retention.getPolicy(databaseId));
  }

  @Put()
  @RequireScope('admin')
  @ApiOperation({
    summary: "Replace a database's retention policy",
    description:
      'A successful backup is kept if ANY rule keeps it: keepLast (the N newest), keepDays (requested within D days), ' +
      'gfs.daily/weekly/monthly (the newest of each of the N most recent UTC days / ISO weeks / months that have a ' +
      'backup). The newest successful backup is never deleted; queued, running and failed backups are never touched. ' +
      'Enforced after each successful backup and every RETENTION_SWEEP_INTERVAL_SECONDS. A body without rules removes ' +
      'the policy.',
  })
  @ApiResponse({ status: 200, description: 'The retention policy.', type: RetentionPolicyDto, example: POLICY_EXAMPLE })
  @ApiErrors([400, 'Validation failed'], DATABASE_NOT_FOUND)
  async put(@Param('databaseId') databaseId: string, @Body() dto: RetentionPolicyDto): Promise<RetentionPolicyDto> {
    return RetentionPolicyDto.from(await this.retention.setPolicy(databaseId, dto));
  }

  @Get('preview')
  @RequireScope('read')
  @ApiOperation({ summary: 'What the policy would delete now, and what keeps the rest' })
  @ApiResponse({
    status: 200,
    description: 'What the policy would delete now, and why.',
    type: RetentionPreviewDto,
    example: {
      databaseId: '123',
      policy: { keepLast: 2, keepDays: null, gfs: { daily: null, weekly: null, monthly: null } },
      delete: [{ backupId: '40', timestamp: '2024-09-10T02:30:00Z', reason: 'not among the last 2' }],
      keep: [
        { backupId: '42', timestamp: '2024-09-12T02:30:00Z', keptBy: ['newest', 'keepLast'] },
        { backupId: '41', timestamp: '2024-09-11T02:30:00Z', keptBy: ['keepLast'] },
      ],
    },
  })
  @ApiErrors(DATABASE_NOT_FOUND)
  preview(@Param('databaseId') databaseId: string): Promise<RetentionPreviewDto> {
    return this.retention.preview(databaseId);
  }

  @Post('preview')
  @HttpCode(200)
  @RequireScope('read')
  @ApiOperation({
    summary: 'What a policy would delete now, before saving it',
    description: 'The body is a policy as PUT takes it; nothing is saved or deleted. A body without rules keeps everything.',
  })
  @ApiResponse({ status: 200, description: 'What the policy would keep and delete now; nothing is changed.', type: RetentionPreviewDto })
  @ApiErrors([400, 'Validation failed'], DATABASE_NOT_FOUND)
  previewCandidate(@Param('databaseId') databaseId: string, @Body() dto: RetentionPolicyDto): Promise<RetentionPreviewDto> {
    return this.retention.previewCandidate(databaseId, dto);
  }

  @Post('enforce')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Enforce the policy now (a worker deletes what the preview lists)' })
  @ApiResponse({ status: 202, description: 'Accepted: the enforcement is queued; what it will delete.', type: RetentionEnforcementDto })
  @ApiErrors(DATABASE_NOT_FOUND, [503, 'Backup queue unavailable; nothing was triggered, try again shortly'])
  async enforce(@Param('databaseId') databaseId: string): Promise<RetentionEnforcementDto> {
    const database = await this.databases.get(databaseId);
    await requestRetention(this.queues, database.id).catch(() => {
      throw new QueueUnavailableError();
    });
    return { message: `Retention enforcement queued for database ID ${database.id}` };
  }
}
