import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/scopes.js';
import { ServiceUnavailableError } from '../core/http/domain-error.js';
import { ErrorResponseDto } from '../core/http/error-response.dto.js';
import { BACKUP_QUEUE } from '../core/queue/queue.constants.js';
import { StorageRegistry } from '../storage/storage-registry.js';

const CHECK_TIMEOUT_MS = 1_500;

class NotReadyError extends ServiceUnavailableError {}

@ApiTags('health')
@Controller('health')
@Public()
@SkipThrottle()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(BACKUP_QUEUE) private readonly queue: Queue,
    private readonly storage: StorageRegistry,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200, schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL, Redis and storage are usable' })
  @ApiResponse({ status: 200, schema: { example: { status: 'ok', info: { database: { status: 'up' } } } } })
  @ApiResponse({ status: 503, type: ErrorResponseDto, example: { error: 'Not ready: redis is down' } })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.typeorm.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => ({ jobs: await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed') }))
            .withTimeout(CHECK_TIMEOUT_MS),
        () => this.indicators.check('storage').attempt(() => this.storage.local.checkWritable()).withTimeout(CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      throw new NotReadyError(`Not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down`);
    }
  }
}
