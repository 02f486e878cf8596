import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { ScheduleResponseDto } from './dto/schedule-response.dto.js';
import { UpdateScheduleDto } from './dto/update-schedule.dto.js';
import { SchedulesService } from './schedules.service.js';

const DATABASE_NOT_FOUND: [number, string] = [404, 'Database not found'];
const NOT_FOUND: [number, string] = [404, 'Schedule not found'];
const VALIDATION: [number, string] = [400, 'Validation failed'];

@ApiTags('schedules')
@Controller('databases/:databaseId/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Schedule backups of a database',
    description:
      'Each tick makes one backup with trigger "schedule", however many API and worker replicas run. A tick that ' +
      'finds a backup of the database still queued or running is skipped (logged by the worker).',
  })
  @ApiResponse({ status: 201, description: 'Created: the new schedule.', type: ScheduleResponseDto })
  @ApiErrors(VALIDATION, DATABASE_NOT_FOUND)
  async create(@Param('databaseId') databaseId: string, @Body() dto: CreateScheduleDto): Promise<ScheduleResponseDto> {
    const schedule = await this.schedules.create(databaseId, dto);
    return this.schedules.describeOne(schedule);
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'List the schedules of a database, with their missed state' })
  @ApiResponse({ status: 200, description: 'The schedules.', type: [ScheduleResponseDto] })
  @ApiErrors(DATABASE_NOT_FOUND)
  list(@Param('databaseId') databaseId: string): Promise<ScheduleResponseDto[]> {
    return this.schedules.describeAll(databaseId);
  }

  @Get(':scheduleId')
  @RequireScope('read')
  @ApiOperation({ summary: 'Get a schedule, with its next tick and missed state' })
  @ApiResponse({ status: 200, description: 'The schedule.', type: ScheduleResponseDto })
  @ApiErrors(DATABASE_NOT_FOUND, NOT_FOUND)
  async get(@Param('databaseId') databaseId: string, @Param('scheduleId') scheduleId: string): Promise<ScheduleResponseDto> {
    const schedule = await this.schedules.get(databaseId, scheduleId);
    return this.schedules.describeOne(schedule);
  }

  @Patch(':scheduleId')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Change a schedule (cron, timezone, or enabled to pause and resume it)' })
  @ApiResponse({ status: 200, description: 'The schedule.', type: ScheduleResponseDto })
  @ApiErrors(VALIDATION, DATABASE_NOT_FOUND, NOT_FOUND)
  async update(
    @Param('databaseId') databaseId: string,
    @Param('scheduleId') scheduleId: string,
    @Body() dto: UpdateScheduleDto,
  ): Promise<ScheduleResponseDto> {
    const schedule = await this.schedules.update(databaseId, scheduleId, dto);
    return this.schedules.describeOne(schedule);
  }

  @Delete(':scheduleId')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Delete a schedule; its backups stay' })
  @ApiResponse({ status: 204, description: 'Deleted; no content.' })
  @ApiErrors(DATABASE_NOT_FOUND, NOT_FOUND)
  async remove(@Param('databaseId') databaseId: string, @Param('scheduleId') scheduleId: string): Promise<void> {
    await this.schedules.remove(databaseId, scheduleId);
  }
}
