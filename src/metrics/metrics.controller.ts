import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @RequireScope('read')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Backups and restores by status and engine, backup durations, bytes written, last success per database, queue ' +
      'depths and workers, plus the API process metrics. Prometheus authenticates with a bearer key (scope read).',
  })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: 'Prometheus text format', schema: { type: 'string', example: 'dbbackup_backups{engine="postgres",status="success"} 12' } })
  @ApiErrors()
  render(): Promise<string> {
    return this.metrics.render();
  }
}
