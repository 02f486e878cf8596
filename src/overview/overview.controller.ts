import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { OverviewDatabaseDto } from './dto/overview-response.dto.js';
import { OverviewService } from './overview.service.js';

@ApiTags('overview')
@Controller('overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: "Every registered database's state at a glance, worst first",
    description:
      'One entry per registered database: engine, latest and last successful backup, next scheduled run and missed ' +
      'flag, last drill and restore time, warnings and anomalies of the last success, and the sizes of the last 30 ' +
      'successful backups. Sorted by state (failed, missed, never, warning, ok), then by name.',
  })
  @ApiResponse({ status: 200, description: 'One row per database, worst state first.', type: [OverviewDatabaseDto] })
  @ApiErrors()
  list(): Promise<OverviewDatabaseDto[]> {
    return this.overview.list();
  }
}
