import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/scopes.js';
import { clientGoneSignal } from '../core/http/client-gone.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { WaitQueryDto } from '../core/http/wait-query.dto.js';
import { BackupsService } from './backups.service.js';
import { BackupDetailsDto, BackupSummaryDto, BackupTriggeredDto } from './dto/backup-response.dto.js';
import { CreateBackupDto } from './dto/create-backup.dto.js';
import { BackupContentsDto } from './dto/backup-contents-response.dto.js';
import { DEFAULT_PAGE_SIZE, ListBackupsQueryDto, MAX_PAGE_SIZE, withExplicitOffset } from './dto/list-backups-query.dto.js';
import { nextPageLink } from './backup-listing.js';

const BACKUP_NOT_FOUND: [number, string] = [404, 'Backup not found'];

/** The examples of the spec, verbatim. */
const LIST_EXAMPLE = [
  { backupId: '1', databaseId: '123', databaseName: 'my_database', status: 'success', timestamp: '2024-09-12T12:30:00Z' },
  { backupId: '2', databaseId: '124', databaseName: 'test_db', status: 'failed', timestamp: '2024-09-11T10:45:00Z' },
];
const DETAILS_EXAMPLE = {
  ...LIST_EXAMPLE[0],
  fileLocation: '/path/to/backup/file.sql',
  sizeBytes: 1048576,
  checksum: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  trigger: 'manual',
  startedAt: '2024-09-12T12:30:01Z',
  finishedAt: '2024-09-12T12:30:09Z',
  error: null,
  serverVersion: '15.19',
  toolVersion: 'pg_dump 15.19',
  engine: 'postgres',
  compression: 'zstd',
  encrypted: false,
  storageTargetId: null,
  verificationStatus: 'passed',
  verifiedAt: '2024-09-12T14:00:00Z',
  verificationError: null,
  progress: null,
  warnings: [],
  manifest: {
    tables: { 'public.artist': 275, 'public.album': 347 },
    objects: { table: 2, index: 3, sequence: 2 },
    sequences: { 'public.artist_id_seq': '275', 'public.album_id_seq': '347' },
    consistency: 'snapshot',
  },
};

const CONTENTS_EXAMPLE = {
  backupId: '1',
  engine: 'postgres',
  objects: [
    { kind: 'schema', schema: null, name: 'public' },
    { kind: 'table', schema: 'public', name: 'album', rows: 347 },
    { kind: 'table', schema: 'public', name: 'artist', rows: 275 },
    { kind: 'view', schema: 'public', name: 'long_tracks' },
    { kind: 'sequence', schema: 'public', name: 'artist_artist_id_seq' },
    { kind: 'function', schema: 'public', name: 'track_count()' },
    { kind: 'trigger', schema: 'public', name: 'genre genre_name' },
    { kind: 'index', schema: 'public', name: 'ifk_album_artist_id' },
    { kind: 'constraint', schema: 'public', name: 'album pk_album' },
    { kind: 'foreign key', schema: 'public', name: 'album fk_album_artist_id' },
  ],
};

/** A file name for downloads: the database name made safe, then the stored file's own name. */
export function downloadFileName(databaseName: string, storageKey: string): string {
  const safeName = databaseName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64) || 'database';
  return `${safeName}-${path.posix.basename(storageKey)}`;
}

@ApiTags('backups')
@Controller('backups')
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @RequireScope('backup')
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Trigger a manual backup of a database',
    description:
      'Records the backup as queued and hands it to the workers; follow it with GET /backups/{backupId}?waitSeconds=30. ' +
      'A database has at most one backup queued or running: a second request meanwhile answers 409 naming it.',
  })
  @ApiResponse({
    status: 202,
    type: BackupTriggeredDto,
    description: 'The backup has been triggered.',
    example: { message: 'Backup triggered for database ID 123', backupId: '1', status: 'queued' },
    headers: { Location: { description: 'URL of the new backup: `/backups/{backupId}`.', schema: { type: 'string' } } },
  })
  @ApiErrors(
    [400, 'Validation failed'],
    [404, 'Database not found'],
    [409, 'A backup of this database is already queued or running (backup 17)'],
    [503, 'Backup queue unavailable; nothing was triggered, try again shortly'],
  )
  async trigger(
    @Body() dto: CreateBackupDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BackupTriggeredDto> {
    const backup = await this.backups.trigger(dto.databaseId);
    void reply.header('Location', `/backups/${backup.id}`);
    return { message: `Backup triggered for database ID ${dto.databaseId}`, backupId: backup.id, status: backup.status };
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'List backups, newest first',
    description:
      'Newest first (request time, then id). Filters: databaseId, status, since (inclusive) and until (exclusive). ' +
      `At most \`limit\` backups per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}); when there may be ` +
      'more, the `Link` header names the next page (`</backups?limit=100&cursor=…>; rel="next"`, same filters). ' +
      'The last page has no Link header. Pages are keyset-based: rows added meanwhile never shift a page. ' +
      'A cursor that was not taken from a Link header answers 400 {"error": "Invalid cursor"}.',
  })
  @ApiResponse({
    status: 200,
    description: 'The backups, newest first.',
    type: [BackupSummaryDto],
    example: LIST_EXAMPLE,
    headers: {
      Link: {
        description: 'The next page, as a relative URL: `</backups?limit=100&cursor=…>; rel="next"`. Absent on the last page.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiErrors([400, 'Validation failed'])
  async list(@Query() query: ListBackupsQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<BackupSummaryDto[]> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const filters = { databaseId: query.databaseId, status: query.status, since: query.since, until: query.until };
    const page = await this.backups.list({
      ...filters,
      since: query.since === undefined ? undefined : withExplicitOffset(query.since),
      until: query.until === undefined ? undefined : withExplicitOffset(query.until),
      limit,
      cursor: query.cursor,
    });
    if (page.next) void reply.header('Link', nextPageLink(filters, limit, page.next));
    return page.items;
  }

  @RequireScope('read')
  @Get(':backupId')
  @ApiOperation({
    summary: 'Get the details of a backup',
    description: 'With ?waitSeconds=N, a queued or running backup is answered as soon as it finishes (or after N s).',
  })
  @ApiResponse({ status: 200, description: 'The backup, with its file, checksum, manifest and verification.', type: BackupDetailsDto, example: DETAILS_EXAMPLE })
  @ApiErrors(BACKUP_NOT_FOUND, [400, 'Validation failed'])
  async get(@Param('backupId') backupId: string, @Query() query: WaitQueryDto): Promise<BackupDetailsDto> {
    if (query.waitSeconds) await this.backups.waitUntilFinished(backupId, query.waitSeconds);
    const { backup, databaseName } = await this.backups.get(backupId);
    return BackupDetailsDto.from(backup, databaseName);
  }

  @RequireScope('read')
  @Get(':backupId/download')
  @ApiOperation({
    summary: 'Download the stored backup file',
    description:
      'Streams the file exactly as stored (compressed, and encrypted if it is). Its sha256 is in X-Checksum-SHA256 and ' +
      'Digest; the bytes are hashed while they are sent and the connection is cut if they do not match, so a client ' +
      'never receives an altered file as a complete one.',
  })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'The file', schema: { type: 'string', format: 'binary' } })
  @ApiErrors(BACKUP_NOT_FOUND, [409, 'Backup has no file (status: running)'])
  async download(@Param('backupId') backupId: string, @Res() reply: FastifyReply): Promise<void> {
    const { backup, databaseName, stream } = await this.backups.openDownload(backupId);
    const checksum = backup.checksum!;
    await reply
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Length', String(backup.sizeBytes))
      .header('Content-Disposition', `attachment; filename="${downloadFileName(databaseName, backup.storageKey!)}"`)
      .header('X-Checksum-SHA256', checksum)
      .header('Digest', `sha-256=${Buffer.from(checksum, 'hex').toString('base64')}`)
      .send(stream);
  }

  @RequireScope('read')
  @Get(':backupId/contents')
  @ApiOperation({
    summary: 'List what a backup holds',
    description:
      'Schemas, tables with their row counts (from the manifest counted in the dump\'s own snapshot), views, sequences, ' +
      'functions, procedures, triggers, events, indexes and constraints. PostgreSQL: from the archive\'s table of contents ' +
      '(pg_restore --list); MySQL/MariaDB: from a scan of the dump. A worker reads the stored file as a restore would, ' +
      'streamed (decrypted if encrypted, size and sha256 checked); the API itself starts no tool. The answer comes once ' +
      'the worker has read the whole file.',
  })
  @ApiResponse({ status: 200, description: 'The objects the backup holds.', type: BackupContentsDto, example: CONTENTS_EXAMPLE })
  @ApiErrors(
    BACKUP_NOT_FOUND,
    [409, 'Backup has no file (status: running)'],
    [422, 'Backup contents could not be read: pg_restore cannot read the archive\'s table of contents: pg_restore: error: input file does not appear to be a valid archive'],
    [503, 'Backup queue unavailable; nothing was triggered, try again shortly'],
  )
  async contents(@Param('backupId') backupId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<BackupContentsDto> {
    const { backup, objects } = await this.backups.contents(backupId, clientGoneSignal(reply));
    return BackupContentsDto.from(backup.id, backup.engine, objects);
  }

  @RequireScope('backup')
  @Post(':backupId/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify a stored backup',
    description:
      'A worker re-reads the stored file and checks its size and sha256 against the record, decrypts it if encrypted, and ' +
      'has the engine read the whole archive (pg_restore for PostgreSQL; the dump trailer for MySQL). The result and its ' +
      'time are recorded on the backup; the request answers once they are.',
  })
  @ApiResponse({ status: 200, type: BackupDetailsDto, description: 'Verification passed' })
  @ApiErrors(
    BACKUP_NOT_FOUND,
    [409, 'Backup has no file (status: failed)'],
    [422, 'Backup verification failed: Backup file checksum does not match the record (altered)'],
    [503, 'Backup queue unavailable; nothing was triggered, try again shortly'],
  )
  async verify(@Param('backupId') backupId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<BackupDetailsDto> {
    const { backup, databaseName } = await this.backups.verify(backupId, clientGoneSignal(reply));
    return BackupDetailsDto.from(backup, databaseName);
  }

  @RequireScope('delete')
  @Delete(':backupId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a backup and its stored file',
    description: 'A queued backup is cancelled. A running backup cannot be deleted (409) until it has finished.',
  })
  @ApiResponse({ status: 204, description: 'Deleted; no content.' })
  @ApiErrors(
    BACKUP_NOT_FOUND,
    [409, 'Backup is running; it can be deleted once it has finished'],
    [502, 'The backup file could not be deleted from storage, so the backup is kept: AccessDenied'],
  )
  async remove(@Param('backupId') backupId: string): Promise<void> {
    await this.backups.remove(backupId);
  }
}
