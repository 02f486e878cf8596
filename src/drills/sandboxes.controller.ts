import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { CreateSandboxDto, UpdateSandboxDto } from './dto/create-sandbox.dto.js';
import { SandboxResponseDto } from './dto/sandbox-response.dto.js';
import { SandboxesService } from './sandboxes.service.js';

const NOT_FOUND: [number, string] = [404, 'Sandbox not found'];
const VALIDATION: [number, string] = [400, 'Validation failed'];
const NAME_TAKEN: [number, string] = [409, 'A sandbox named "pg-sandbox" already exists'];

@ApiTags('drills')
@Controller('sandboxes')
export class SandboxesController {
  constructor(private readonly sandboxes: SandboxesService) {}

  @RequireScope('admin')
  @Post()
  @ApiOperation({
    summary: 'Register a sandbox: a database server where restore drills run',
    description:
      'Drills restore backups into scratch databases (dbbackup_drill_…) on a sandbox of the same engine family, ' +
      'then drop them. The user must be allowed to create and drop databases. A sandbox is never a backup or restore ' +
      'target. Its password is stored encrypted and never returned.',
  })
  @ApiResponse({ status: 201, description: 'Created: the new sandbox.', type: SandboxResponseDto })
  @ApiErrors(VALIDATION, NAME_TAKEN)
  async create(@Body() dto: CreateSandboxDto): Promise<SandboxResponseDto> {
    return SandboxResponseDto.from(await this.sandboxes.create(dto));
  }

  @RequireScope('read')
  @Get()
  @ApiOperation({ summary: 'List sandboxes' })
  @ApiResponse({ status: 200, description: 'The sandboxes.', type: [SandboxResponseDto] })
  @ApiErrors()
  async list(): Promise<SandboxResponseDto[]> {
    return (await this.sandboxes.list()).map((entity) => SandboxResponseDto.from(entity));
  }

  @RequireScope('read')
  @Get(':sandboxId')
  @ApiOperation({ summary: 'Get a sandbox' })
  @ApiResponse({ status: 200, description: 'The sandbox.', type: SandboxResponseDto })
  @ApiErrors(NOT_FOUND)
  async get(@Param('sandboxId') sandboxId: string): Promise<SandboxResponseDto> {
    return SandboxResponseDto.from(await this.sandboxes.get(sandboxId));
  }

  @RequireScope('admin')
  @Patch(':sandboxId')
  @ApiOperation({ summary: 'Change a sandbox; a new password replaces the stored one' })
  @ApiResponse({ status: 200, description: 'The sandbox.', type: SandboxResponseDto })
  @ApiErrors(VALIDATION, NOT_FOUND, NAME_TAKEN)
  async update(@Param('sandboxId') sandboxId: string, @Body() dto: UpdateSandboxDto): Promise<SandboxResponseDto> {
    return SandboxResponseDto.from(await this.sandboxes.update(sandboxId, dto));
  }

  @RequireScope('admin')
  @Delete(':sandboxId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a sandbox', description: 'Refused with 409 while a drill on it is queued or running.' })
  @ApiResponse({ status: 204, description: 'Done; no content.' })
  @ApiErrors(NOT_FOUND, [409, 'A drill on this sandbox is queued or running; try again once it has finished'])
  async remove(@Param('sandboxId') sandboxId: string): Promise<void> {
    await this.sandboxes.remove(sandboxId);
  }
}
