import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyResponseDto, CreatedApiKeyDto } from './dto/api-key-response.dto.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { RequireScope } from './scopes.js';

@ApiTags('api-keys')
@Controller('api-keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The key is in this response only: it is stored as a hash and cannot be shown again.',
  })
  @ApiResponse({ status: 201, description: 'Created: the new API key, shown only in this answer.', type: CreatedApiKeyDto })
  @ApiErrors([400, 'Validation failed'])
  async create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { entity, key } = await this.keys.create(dto);
    return CreatedApiKeyDto.withKey(entity, key);
  }

  @Get()
  @ApiOperation({ summary: 'List active API keys (never the keys themselves)' })
  @ApiResponse({ status: 200, description: 'The API keys.', type: [ApiKeyResponseDto] })
  @ApiErrors()
  async list(): Promise<ApiKeyResponseDto[]> {
    return (await this.keys.list()).map((entity) => ApiKeyResponseDto.from(entity));
  }

  @Delete(':apiKeyId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key', description: 'Takes effect at once, on every API replica.' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiErrors([404, 'API key not found'])
  async revoke(@Param('apiKeyId') apiKeyId: string): Promise<void> {
    await this.keys.revoke(apiKeyId);
  }
}
