import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { CreateDrillScheduleDto } from './dto/create-drill-schedule.dto.js';
import { DrillScheduleResponseDto } from './dto/drill-schedule-response.dto.js';
import { UpdateDrillScheduleDto } from './dto/update-drill-schedule.dto.js';
import type { ScheduleEntity } from './schedule.entity.js';
import { SchedulesService } from './schedules.service.js';

const DATABASE_NOT_FOUND: [number, string] = [404, 'Database not found'];
const NOT_FOUND: [number, string] = [404, 'Schedule not found'];
const VALIDATION: [number, string] = [400, 'Validation failed'];
const SANDBOX_NOT_FOUND: [number, string] = [404, 'Sandbox not found'];
const SANDBOX_MISMATCH: [number, string] = [422, 'A postgres backup cannot be drilled on a mariadb sandbox'];

/**
 * Drill schedules are rows of the schedules table of kind "drill": the same cron and time zone rules, BullMQ job
 * schedulers, reconciler and missed-tick check as backup schedules; a tick requests a drill instead of a backup.
 */
@ApiTags('drills')
@Controller('databases/:databaseId/drill-schedules')
export class DrillSchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Schedule restore drills of a database',
    description:
      'Each tick runs one drill with trigger "schedule", however many API and worker replicas run: on `sandboxId` ' +
      '(default: the first sandbox of the engine family), with `probe` if given (validated as in POST ' +
      '/databases/{databaseId}/drills). A tick that finds a drill of the database still queued or running, no ' +
      'successful backup, or no usable sandbox (none, or the chosen one removed) is skipped (logged by the worker); the ' +
      'schedule then shows as missed after the grace period.',
  })
  @ApiResponse({ status: 201, description: 'Created: the new drill schedule.', type: DrillScheduleResponseDto })
  @ApiErrors(VALIDATION, DATABASE_NOT_FOUND, SANDBOX_NOT_FOUND, SANDBOX_MISMATCH)
  async create(@Param('databaseId') databaseId: string, @Body() dto: CreateDrillScheduleDto): Promise<DrillScheduleResponseDto> {
    return this.describeOne(await this.schedules.createDrillSchedule(databaseId, dto));
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'List the drill schedules of a database, with their missed state' })
  @ApiResponse({ status: 200, description: 'The drill schedules.', type: [DrillScheduleResponseDto] })
  @ApiErrors(DATABASE_NOT_FOUND)
  async list(@Param('databaseId') databaseId: string): Promise<DrillScheduleResponseDto[]> {
    return this.schedules.describeDrillSchedules(databaseId, await this.schedules.list(databaseId, 'drill'));
  }

  @Get(':scheduleId')
  @RequireScope('read')
  @ApiOperation({ summary: 'Get a drill schedule, with its next tick and missed state' })
  @ApiResponse({ status: 200, description: 'The drill schedule.', type: DrillScheduleResponseDto })
  @ApiErrors(DATABASE_NOT_FOUND, NOT_FOUND)
  async get(@Param('databaseId') databaseId: string, @Param('scheduleId') scheduleId: string): Promise<DrillScheduleResponseDto> {
    return this.describeOne(await this.schedules.get(databaseId, scheduleId, 'drill'));
  }

  @Patch(':scheduleId')
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Change a drill schedule (cron, timezone, sandboxId, probe, or enabled to pause and resume it)',
    description: 'A field left out stays as it is; `"probe": null` or `"sandboxId": null` removes it.',
  })
  @ApiResponse({ status: 200, description: 'The drill schedule.', type: DrillScheduleResponseDto })
  @ApiErrors(VALIDATION, DATABASE_NOT_FOUND, NOT_FOUND, SANDBOX_NOT_FOUND, SANDBOX_MISMATCH)
  async update(
    @Param('databaseId') databaseId: string,
    @Param('scheduleId') scheduleId: string,
    @Body() dto: UpdateDrillScheduleDto,
  ): Promise<DrillScheduleResponseDto> {
    return this.describeOne(await this.schedules.updateDrillSchedule(databaseId, scheduleId, dto));
  }

  @Delete(':scheduleId')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Delete a drill schedule; its drills stay' })
  @ApiResponse({ status: 204, description: 'Deleted; no content.' })
  @ApiErrors(DATABASE_NOT_FOUND, NOT_FOUND)
  async remove(@Param('databaseId') databaseId: string, @Param('scheduleId') scheduleId: string): Promise<void> {
    await this.schedules.remove(databaseId, scheduleId, 'drill');
  }

  private async describeOne(schedule: ScheduleEntity): Promise<DrillScheduleResponseDto> {
    const [described] = await this.schedules.describeDrillSchedules(schedule.databaseId, [schedule]);
    return described!;
  }
}
