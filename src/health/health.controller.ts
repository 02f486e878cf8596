import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/scopes.js';
import { ServiceUnavailableError } from '../core/http/domain-error.js';
import { ErrorResponseDto } from '../core/http/error-response.dto.js';
import { QueueNames } from '../core/queue/job-registry.js';
import { AppConfig } from '../core/config/app-config.js';
import { checkFreeSpace, LOW_ON_SPACE } from '../storage/storage-free-space.js';
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
    @InjectQueue(QueueNames.backups) private readonly queue: Queue,
    private readonly storage: StorageRegistry,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200, description: 'The process is up.', schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: PostgreSQL, Redis and storage are usable',
    description:
      'The local storage must be writable and have at least STORAGE_MIN_FREE_BYTES and STORAGE_MIN_FREE_PERCENT free; ' +
      'its free and total bytes are reported.',
  })
  @ApiResponse({
    status: 200,
    description: 'PostgreSQL, Redis and storage answer.',
    schema: {
      example: {
        status: 'ok',
        info: { database: { status: 'up' }, storage: { status: 'up', freeBytes: 52613349376, totalBytes: 105226698752, minFreeBytes: 1073741824 } },
      },
    },
  })
  @ApiResponse({ status: 503, description: 'PostgreSQL or Redis does not answer.', type: ErrorResponseDto, example: { error: 'Not ready: redis is down' } })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.typeorm.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => ({ jobs: await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed') }))
            .withTimeout(CHECK_TIMEOUT_MS),
        () => this.indicators.check('storage').attempt(() => this.checkStorage()).withTimeout(CHECK_TIMEOUT_MS),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      const storageReason = (result.error?.storage as { message?: string } | undefined)?.message;
      // Only the free space is told: other reasons (paths, server errors) stay out of this unauthenticated answer.
      const detail = storageReason?.startsWith(LOW_ON_SPACE) ? ` (${storageReason})` : '';
      throw new NotReadyError(`Not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down${detail}`);
    }
  }

  /** Writable, and not under the free space floor: a backup started now would not fail for want of space. */
  private async checkStorage(): Promise<Record<string, number>> {
    await this.storage.local.checkWritable();
    const floor = { minFreeBytes: this.config.storageMinFreeBytes, minFreePercent: this.config.storageMinFreePercent };
    return { ...checkFreeSpace(await this.storage.local.freeSpace(), floor) };
  }
}
