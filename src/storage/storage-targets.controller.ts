import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CallerScopes } from '../auth/caller-scopes.decorator.js';
import { type ApiScope, RequireScope } from '../auth/scopes.js';
import { mayReadUrlSecrets } from '../core/http/url-secrets.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { CreateStorageTargetDto } from './dto/create-storage-target.dto.js';
import { StorageTargetResponseDto } from './dto/storage-target-response.dto.js';
import { StorageTargetsService } from './storage-targets.service.js';

const NOT_FOUND: [number, string] = [404, 'Storage target not found'];

@ApiTags('storage-targets')
@Controller('storage-targets')
export class StorageTargetsController {
  constructor(private readonly targets: StorageTargetsService) {}

  @RequireScope('admin')
  @Post()
  @ApiOperation({
    summary: 'Add an S3-compatible storage target',
    description: 'Databases choose it with storageTargetId; without one they use the local directory (STORAGE_DIR).',
  })
  @ApiResponse({ status: 201, description: 'Created: the new storage target.', type: StorageTargetResponseDto })
  @ApiErrors([400, 'Validation failed'], [409, 'A storage target named "offsite-s3" already exists'])
  async create(@Body() dto: CreateStorageTargetDto): Promise<StorageTargetResponseDto> {
    return StorageTargetResponseDto.from(await this.targets.create(dto));
  }

  @RequireScope('read')
  @Get()
  @ApiOperation({
    summary: 'List storage targets (the built-in local directory is not listed)',
    description: 'Without the admin scope, credentials and query values in an endpoint URL are masked (`***`).',
  })
  @ApiResponse({ status: 200, description: 'The storage targets.', type: [StorageTargetResponseDto] })
  @ApiErrors()
  async list(@CallerScopes() scopes: readonly ApiScope[] | undefined): Promise<StorageTargetResponseDto[]> {
    return (await this.targets.list()).map((entity) => StorageTargetResponseDto.from(entity, !mayReadUrlSecrets(scopes)));
  }

  @RequireScope('read')
  @Get(':storageTargetId')
  @ApiOperation({ summary: 'Get a storage target' })
  @ApiResponse({ status: 200, description: 'The storage target.', type: StorageTargetResponseDto })
  @ApiErrors(NOT_FOUND)
  async get(@Param('storageTargetId') id: string, @CallerScopes() scopes: readonly ApiScope[] | undefined): Promise<StorageTargetResponseDto> {
    return StorageTargetResponseDto.from(await this.targets.get(id), !mayReadUrlSecrets(scopes));
  }

  @RequireScope('admin')
  @Post(':storageTargetId/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Write and delete a probe object with the stored credentials' })
  @ApiResponse({ status: 200, description: 'The storage target answered.', schema: { example: { ok: true } } })
  @ApiErrors(NOT_FOUND, [422, 'Storage target check failed: The specified bucket does not exist'])
  test(@Param('storageTargetId') id: string): Promise<{ ok: true }> {
    return this.targets.test(id);
  }

  @RequireScope('admin')
  @Delete(':storageTargetId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a storage target that no database uses and no backup is kept in' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiErrors(NOT_FOUND, [409, 'Storage target is used by databases or holds backups; move or delete them first'])
  async remove(@Param('storageTargetId') id: string): Promise<void> {
    await this.targets.remove(id);
  }
}
