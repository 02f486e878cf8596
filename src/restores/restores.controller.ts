import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { WaitQueryDto } from '../core/http/wait-query.dto.js';
import { CreateRestoreDto } from './dto/create-restore.dto.js';
import { RestoreResponseDto, RestoreTriggeredDto } from './dto/restore-response.dto.js';
import { RestoresService } from './restores.service.js';

@ApiTags('restores')
@Controller()
export class RestoresController {
  constructor(private readonly restores: RestoresService) {}

  @RequireScope('restore')
  @Post('backups/:backupId/restore')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Restore a backup into a registered database',
    description:
      'Runs on a worker. The stored file is re-read and its size and sha256 checked before anything is written to the ' +
      'target. PostgreSQL: pg_restore --clean --if-exists --single-transaction (all or nothing), without owners and ' +
      'grants. MySQL/MariaDB: the dump is replayed with the mariadb client in sandbox mode. Restoring into the ' +
      'source database requires "confirm": true. One restore at a time per target database.',
  })
  @ApiResponse({ status: 202, type: RestoreTriggeredDto })
  @ApiErrors(
    [400, 'Restoring into the source database replaces its contents: send "confirm": true'],
    [404, 'Backup not found'],
    [409, 'Backup has no complete file to restore (status: failed)'],
    [422, 'Cannot restore a postgres backup into a mysql database'],
    [503, 'Backup queue unavailable; nothing was triggered, try again shortly'],
  )
  async request(
    @Param('backupId') backupId: string,
    @Body() dto: CreateRestoreDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RestoreTriggeredDto> {
    const restore = await this.restores.request(backupId, dto);
    void reply.header('Location', `/restores/${restore.id}`);
    return {
      message: `Restore of backup ${restore.backupId} into database ID ${restore.targetDatabaseId} triggered`,
      restoreId: restore.id,
      status: restore.status,
    };
  }

  @RequireScope('read')
  @Get('restores')
  @ApiOperation({ summary: 'List restores, newest first (at most 1000)' })
  @ApiResponse({ status: 200, type: [RestoreResponseDto] })
  @ApiErrors()
  async list(): Promise<RestoreResponseDto[]> {
    return (await this.restores.list()).map((restore) => RestoreResponseDto.from(restore));
  }

  @RequireScope('read')
  @Get('restores/:restoreId')
  @ApiOperation({
    summary: 'Get a restore: status, timing and error',
    description: 'With ?waitSeconds=N, a queued or running restore is answered as soon as it finishes (or after N s).',
  })
  @ApiResponse({ status: 200, type: RestoreResponseDto })
  @ApiErrors([404, 'Restore not found'], [400, 'Validation failed'])
  async get(@Param('restoreId') restoreId: string, @Query() query: WaitQueryDto): Promise<RestoreResponseDto> {
    if (query.waitSeconds) await this.restores.waitUntilFinished(restoreId, query.waitSeconds);
    return RestoreResponseDto.from(await this.restores.get(restoreId));
  }
}
