import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { DatabasesService } from '../databases/databases.service.js';
import { DatabaseResponseDto } from '../databases/dto/database-response.dto.js';
import { DrillsRepository } from '../drills/drills.repository.js';
import { DrillResponseDto } from '../drills/dto/drill-response.dto.js';
import { DatabaseDetailsDto } from './dto/database-details.dto.js';
import { SchedulesService } from './schedules.service.js';

/**
 * GET /databases/:databaseId: the registration with its schedules and its drills' outcome. Served from the schedules
 * room, so that databases need not know schedules or drills.
 */
@ApiTags('databases')
@Controller('databases')
export class DatabaseDetailsController {
  constructor(
    private readonly databases: DatabasesService,
    private readonly schedules: SchedulesService,
    private readonly drills: DrillsRepository,
  ) {}

  @RequireScope('read')
  @Get(':databaseId')
  @ApiOperation({ summary: 'Get a registered database, with its schedules and their missed state, its last drill and restore time' })
  @ApiResponse({ status: 200, description: 'The database with its schedules.', type: DatabaseDetailsDto })
  @ApiErrors([404, 'Database not found'])
  async get(@Param('databaseId') databaseId: string): Promise<DatabaseDetailsDto> {
    const database = await this.databases.get(databaseId);
    const [schedules, lastDrill, lastGoodDrill] = await Promise.all([
      this.schedules.describeAll(database.id),
      this.drills.lastFinished(database.id),
      this.drills.lastSuccess(database.id),
    ]);
    return {
      ...DatabaseResponseDto.from(database),
      schedules,
      missedSchedule: schedules.some((schedule) => schedule.missed),
      lastDrill: lastDrill ? DrillResponseDto.from(lastDrill) : null,
      restoreTimeSeconds: lastGoodDrill?.restoreTimeSeconds == null ? null : Number(lastGoodDrill.restoreTimeSeconds),
    };
  }
}
