import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { DatabasesService } from '../databases/databases.service.js';
import { DatabaseResponseDto } from '../databases/dto/database-response.dto.js';
import { DatabaseDetailsDto } from './dto/database-details.dto.js';
import { SchedulesService } from './schedules.service.js';

/**
 * GET /databases/:databaseId: the registration with its schedules. Served from the schedules room, so that
 * databases need not know schedules.
 */
@ApiTags('databases')
@Controller('databases')
export class DatabaseDetailsController {
  constructor(
    private readonly databases: DatabasesService,
    private readonly schedules: SchedulesService,
  ) {}

  @RequireScope('read')
  @Get(':databaseId')
  @ApiOperation({ summary: 'Get a registered database, with its schedules and their missed state' })
  @ApiResponse({ status: 200, type: DatabaseDetailsDto })
  @ApiErrors([404, 'Database not found'])
  async get(@Param('databaseId') databaseId: string): Promise<DatabaseDetailsDto> {
    const database = await this.databases.get(databaseId);
    const schedules = await this.schedules.describeAll(database.id);
    return { ...DatabaseResponseDto.from(database), schedules, missedSchedule: schedules.some((schedule) => schedule.missed) };
  }
}
