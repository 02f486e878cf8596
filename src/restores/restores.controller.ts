import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { WaitQueryDto } from '../core/http/wait-query.dto.js';
import { CreateRestoreDto } from './dto/create-restore.dto.js';
import { RestoreResponseDto, RestoreTriggeredDto } from './dto/restore-response.dto.js';
import { RestoresService } from './restores.service.js';

/** The restore request sits with the backups (a person restores a backup); following restores has its own tag. */
/**
 * Swagger UI pre-fills the first: a whole restore into another database, whose id is to be replaced. The property
 * examples alone would pre-fill a partial restore (`tables`) as well.
 */
const RESTORE_BODY_EXAMPLES = {
  anotherDatabase: {
    summary: 'The whole backup into another registered database (replace the id)',
    value: { targetDatabaseId: 'REPLACE_WITH_TARGET_DATABASE_ID' },
  },
  sourceDatabase: {
    summary: 'The whole backup into its own source database, replacing its contents',
    value: { confirm: true },
  },
  namedTables: {
    summary: 'Only named tables (PostgreSQL), added to a database that lacks them (replace the id)',
    value: { targetDatabaseId: 'REPLACE_WITH_TARGET_DATABASE_ID', tables: ['public.invoice'], data: true },
  },
};

@Controller()
export class RestoresController {
  constructor(private readonly restores: RestoresService) {}

  @ApiTags('backups')
  @RequireScope('restore')
  @Post('backups/:backupId/restore')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Restore a backup into a registered database',
    description:
      'Runs on a worker. The stored file and its catalog are re-read and their size and sha256 checked before anything ' +
      'is written. A pre-flight check then fails the restore, naming them, if the target server lacks roles ' +
      '(PostgreSQL) or definer accounts (MySQL) the backup needs, unless createMissingRoles / rewriteMissingDefiners ' +
      'or ownership "restoring-user" is sent. The backup is restored into a fresh database named from server-side ids, ' +
      "with the source's database properties (encoding/charset, collation, comment, ACL, settings), owners and " +
      "privileges; that copy is compared with the backup's manifest (row counts per table, object counts, sequences), " +
      "and only then switched in under the target's name. The target's previous content is kept as `asideDatabase` " +
      'until it expires or DELETE /restores/{restoreId}/aside. A failure at any point leaves the target as it was. ' +
      'The switch needs no other session on the target database (or "terminateConnections": true). Restoring into ' +
      'the source database requires "confirm": true. One restore at a time per target database. A target is the ' +
      'physical database (resolved host address, port, database name): two registrations of one database count as ' +
      'one. The backup of a deleted registration restores into any registered database of the same engine family.',
  })
  @ApiBody({ type: CreateRestoreDto, required: false, examples: RESTORE_BODY_EXAMPLES })
  @ApiResponse({
    status: 202,
    description: 'Accepted: the restore is queued; follow it with GET /restores/{restoreId}.',
    type: RestoreTriggeredDto,
    headers: { Location: { description: 'URL of the new restore: `/restores/{restoreId}`.', schema: { type: 'string' } } },
  })
  @ApiErrors(
    [400, 'Restoring into the source database replaces its contents: send "confirm": true'],
    [404, 'Backup not found'],
    [404, 'Target database not found: no registered database has ID 124'],
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

  @RequireScope('restore')
  @ApiTags('restores')
  @Delete('restores/:restoreId/aside')
  @HttpCode(202)
  @ApiOperation({
    summary: "Drop the target's previous content that a restore set aside",
    description:
      'A worker drops the database named in `asideDatabase` now instead of when it expires; `asideDroppedAt` is set ' +
      'once it is gone. This cannot be undone.',
  })
  @ApiResponse({ status: 202, description: 'Accepted: the restore.', type: RestoreResponseDto })
  @ApiErrors([404, 'Restore not found'], [409, 'This restore set no database aside'])
  async dropAside(@Param('restoreId') restoreId: string): Promise<RestoreResponseDto> {
    return RestoreResponseDto.from(await this.restores.dropAside(restoreId));
  }

  @RequireScope('restore')
  @ApiTags('restores')
  @Post('restores/:restoreId/cancel')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Cancel a queued or running restore',
    description:
      'The restore ends at once as `failed` with the error "Cancelled by request". A queued restore\'s job is removed. ' +
      'A running restore\'s worker sees the cancel at its next progress write (within a second): it kills the ' +
      'restore tool and drops the fresh database it was restoring into, within a few seconds; the target database ' +
      'is never touched. Once the restore has started switching its checked copy in (progress phase `switching`), ' +
      'it can no longer be cancelled. Publishes no webhook: the cancel is the caller\'s own.',
  })
  @ApiResponse({ status: 202, description: 'Accepted: the restore.', type: RestoreResponseDto })
  @ApiErrors(
    [404, 'Restore not found'],
    [409, 'The restore has already finished (status: success); there is nothing to cancel'],
  )
  async cancel(@Param('restoreId') restoreId: string): Promise<RestoreResponseDto> {
    return RestoreResponseDto.from(await this.restores.cancel(restoreId));
  }

  @RequireScope('read')
  @ApiTags('restores')
  @Get('restores')
  @ApiOperation({ summary: 'List restores, newest first (at most 1000)' })
  @ApiResponse({ status: 200, description: 'The restores.', type: [RestoreResponseDto] })
  @ApiErrors()
  async list(): Promise<RestoreResponseDto[]> {
    return (await this.restores.list()).map((restore) => RestoreResponseDto.from(restore));
  }

  @RequireScope('read')
  @ApiTags('restores')
  @Get('restores/:restoreId')
  @ApiOperation({
    summary: 'Get a restore: status, timing and error',
    description: 'With ?waitSeconds=N, a queued or running restore is answered as soon as it finishes (or after N s).',
  })
  @ApiResponse({ status: 200, description: 'The restore.', type: RestoreResponseDto })
  @ApiErrors([404, 'Restore not found'], [400, 'Validation failed'])
  async get(@Param('restoreId') restoreId: string, @Query() query: WaitQueryDto): Promise<RestoreResponseDto> {
    if (query.waitSeconds) await this.restores.waitUntilFinished(restoreId, query.waitSeconds);
    return RestoreResponseDto.from(await this.restores.get(restoreId));
  }
}
