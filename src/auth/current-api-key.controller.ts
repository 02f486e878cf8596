import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../core/http/error-response.dto.js';
import type { AuthenticatedRequest } from './api-key.guard.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyResponseDto } from './dto/api-key-response.dto.js';
import { RequireAnyKey } from './scopes.js';

/** GET /api-keys/current: what the calling key may do, for any key (the console shows only what its scopes allow). */
@ApiTags('api-keys')
@Controller('api-keys/current')
export class CurrentApiKeyController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @RequireAnyKey()
  @ApiOperation({
    summary: 'Describe the calling API key: its name and scopes',
    description: 'Any valid key may call it, whatever its scopes. `admin` satisfies every scope.',
  })
  @ApiResponse({ status: 200, description: 'The calling key: its name, prefix and scopes.', type: ApiKeyResponseDto })
  @ApiErrors()
  async current(@Req() request: AuthenticatedRequest): Promise<ApiKeyResponseDto> {
    return ApiKeyResponseDto.from(await this.keys.current(request.apiKey!));
  }
}
