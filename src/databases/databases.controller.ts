import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiErrors } from '../core/http/error-response.dto.js';
import { DatabasesService } from './databases.service.js';
import { CreateDatabaseDto } from './dto/create-database.dto.js';
import { ConnectionTestResponseDto, DatabaseResponseDto } from './dto/database-response.dto.js';
import { UpdateDatabaseDto } from './dto/update-database.dto.js';

const NOT_FOUND: [number, string] = [404, 'Database not found'];
const VALIDATION: [number, string] = [400, 'Validation failed'];

@ApiTags('databases')
@Controller('databases')
export class DatabasesController {
  /** GET /databases/:databaseId shows the database's schedules: the schedules room serves it (DatabaseDetailsController). */
  constructor(private readonly databases: DatabasesService) {}

  @RequireScope('admin')
  @Post()
  @ApiOperation({ summary: 'Register a database to back up' })
  @ApiResponse({ status: 201, description: 'Created: the new database.', type: DatabaseResponseDto })
  @ApiErrors(VALIDATION, [409, 'A database named "my_database" is already registered'])
  async create(@Body() dto: CreateDatabaseDto): Promise<DatabaseResponseDto> {
    return DatabaseResponseDto.from(await this.databases.create(dto));
  }

  @RequireScope('read')
  @Get()
  @ApiOperation({ summary: 'List registered databases' })
  @ApiResponse({ status: 200, description: 'The databases.', type: [DatabaseResponseDto] })
  @ApiErrors()
  async list(): Promise<DatabaseResponseDto[]> {
    return (await this.databases.list()).map((entity) => DatabaseResponseDto.from(entity));
  }

  @RequireScope('admin')
  @Patch(':databaseId')
  @ApiOperation({
    summary: 'Change a registered database; a new password replaces the stored one',
    description:
      'The engine cannot change once the database has backups (409): register the other engine as a new database. ' +
      'Compression, encryption and storage target may change: each backup records its own.',
  })
  @ApiResponse({ status: 200, description: 'The database.', type: DatabaseResponseDto })
  @ApiErrors(VALIDATION, NOT_FOUND, [409, 'A database named "my_database" is already registered'])
  async update(@Param('databaseId') databaseId: string, @Body() dto: UpdateDatabaseDto): Promise<DatabaseResponseDto> {
    return DatabaseResponseDto.from(await this.databases.update(databaseId, dto));
  }

  @RequireScope('admin')
  @Delete(':databaseId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Unregister a database',
    description:
      'Erases the stored credentials and removes the database from the list. Its backups are kept: they stay ' +
      'listed under the same databaseId and databaseName, and can still be inspected, downloaded, verified, ' +
      'restored into another registered database of the same engine family, and deleted. ' +
      'Refused with 409 while one of its backups, or a restore into it, is queued or running.',
  })
  @ApiResponse({ status: 204, description: 'Unregistered' })
  @ApiErrors(NOT_FOUND, [409, 'Database has backups queued or running; delete it once they finish'])
  async remove(@Param('databaseId') databaseId: string): Promise<void> {
    await this.databases.remove(databaseId);
  }

  @RequireScope('admin')
  @Post(':databaseId/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Connect with the stored credentials and report the server version' })
  @ApiResponse({ status: 200, description: 'The result of the connection test.', type: ConnectionTestResponseDto })
  @ApiErrors(NOT_FOUND, [422, 'Connection test failed: password authentication failed for user "backup"'])
  testConnection(@Param('databaseId') databaseId: string): Promise<ConnectionTestResponseDto> {
    return this.databases.testConnection(databaseId);
  }
}
