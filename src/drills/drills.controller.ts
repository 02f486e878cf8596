import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { WaitQueryDto } from '../core/http/wait-query.dto.js';
import { DrillsService } from './drills.service.js';
import { CreateDrillDto, probeOf } from './dto/create-drill.dto.js';
import { DrillResponseDto, DrillTriggeredDto } from './dto/drill-response.dto.js';
import { ListDrillsQueryDto } from './dto/list-drills-query.dto.js';

@ApiTags('drills')
@Controller()
export class DrillsController {
  constructor(private readonly drills: DrillsService) {}

  @RequireScope('restore')
  @Post('databases/:databaseId/drills')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run a restore drill of a database now',
    description:
      "A worker restores the database's newest successful backup into a scratch database (dbbackup_drill_…) on a " +
      "sandbox of the same engine family, through the restore pipeline: the stored file and catalog are checked, " +
      "the copy is compared with the backup's manifest, the optional probe runs on it in a read-only transaction, and " +
      'the scratch database is dropped whatever the outcome. `restoreTimeSeconds` records how long the restore took. ' +
      'Drills run on their own queue (DRILL_CONCURRENCY per worker), never in a backup\'s slot. One drill at a time ' +
      'per database. Objects are owned by the sandbox user, without grants (ownership "restoring-user").',
  })
  @ApiResponse({ status: 202, description: 'Accepted: the drill is queued.', type: DrillTriggeredDto })
  @ApiErrors(
    [400, 'Validation failed'],
    [404, 'Database not found'],
    [409, 'A drill of this database is already queued or running'],
    [422, 'No sandbox can restore a postgres backup: register one with POST /sandboxes'],
    [503, 'Backup queue unavailable; nothing was triggered, try again shortly'],
  )
  async request(
    @Param('databaseId') databaseId: string,
    @Body() dto: CreateDrillDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DrillTriggeredDto> {
    const drill = await this.drills.request(databaseId, { sandboxId: dto.sandboxId, probe: probeOf(dto.probe), trigger: 'manual' });
    void reply.header('Location', `/drills/${drill.id}`);
    return { message: `Drill of database ID ${drill.databaseId} triggered`, drillId: drill.id, status: drill.status };
  }

  @RequireScope('restore')
  @Post('drills/:drillId/cancel')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Cancel a queued or running drill',
    description:
      'The drill ends at once as `failed` with the error "Cancelled by request". A queued drill\'s job is removed. A ' +
      "running drill's worker sees the cancel at its next progress write (within a second): it kills the restore tool " +
      'and drops the scratch database (`scratchDropped` becomes true), within a few seconds; a probe already running ' +
      'ends first (at most its 30 s timeout). Publishes no webhook: the cancel is the caller\'s own.',
  })
  @ApiResponse({ status: 202, description: 'Accepted: the drill, now failed with "Cancelled by request".', type: DrillResponseDto })
  @ApiErrors([404, 'Drill not found'], [409, 'The drill has already finished (status: success); there is nothing to cancel'])
  async cancel(@Param('drillId') drillId: string): Promise<DrillResponseDto> {
    return DrillResponseDto.from(await this.drills.cancel(drillId));
  }

  @RequireScope('read')
  @Get('drills')
  @ApiOperation({ summary: 'List drills, newest first (at most 1000)' })
  @ApiResponse({ status: 200, description: 'The drills.', type: [DrillResponseDto] })
  @ApiErrors([400, 'Validation failed'])
  async list(@Query() query: ListDrillsQueryDto): Promise<DrillResponseDto[]> {
    return (await this.drills.list(query.databaseId)).map((drill) => DrillResponseDto.from(drill));
  }

  @RequireScope('read')
  @Get('drills/:drillId')
  @ApiOperation({
    summary: 'Get a drill: status, backup used, manifest comparison, probe result, restore time',
    description: 'With ?waitSeconds=N, a queued or running drill is answered as soon as it finishes (or after N s).',
  })
  @ApiResponse({ status: 200, description: 'The drill.', type: DrillResponseDto })
  @ApiErrors([404, 'Drill not found'], [400, 'Validation failed'])
  async get(@Param('drillId') drillId: string, @Query() query: WaitQueryDto): Promise<DrillResponseDto> {
    if (query.waitSeconds) await this.drills.waitUntilFinished(drillId, query.waitSeconds);
    return DrillResponseDto.from(await this.drills.get(drillId));
  }
}
