import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, isISO8601, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { BACKUP_STATUSES, type BackupStatus } from '../backup.entity.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** A date, or a date and time with an optional offset; dates and times without an offset are UTC. */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** One rule, one message: a well-formed date or date-time that exists in the calendar. */
function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value) => typeof value === 'string' && INSTANT.test(value) && isISO8601(value, { strict: true }),
      defaultMessage: (args) => `${args?.property} must be an ISO 8601 date or date-time, e.g. 2024-09-12 or 2024-09-12T12:30:00Z`,
    },
  });
}

function IsPageSize(): PropertyDecorator {
  return ValidateBy({
    name: 'isPageSize',
    validator: {
      validate: (value) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PAGE_SIZE,
      defaultMessage: () => `limit must be an integer between 1 and ${MAX_PAGE_SIZE}`,
    },
  });
}

/** The same instant with its offset spelled out, so PostgreSQL never reads it in its session time zone. */
export function withExplicitOffset(instant: string): string {
  if (!instant.includes('T')) return `${instant}T00:00:00Z`;
  return /(Z|[+-]\d{2}:\d{2})$/.test(instant) ? instant : `${instant}Z`;
}

/**
 * `GET /backups` query: filters, page size and the cursor from the previous page's Link header. No parameter has an
 * `example` or a `default` in the document: Swagger UI would pre-fill it, and a pre-filled filter hides backups.
 */
export class ListBackupsQueryDto {
  @ApiPropertyOptional({ description: 'Only the backups of this database, e.g. `123`.' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,17}$/, { message: 'databaseId must be a database id (a positive integer)' })
  databaseId?: string;

  @ApiPropertyOptional({ description: 'Only the backups in this status, e.g. `failed`.', enum: BACKUP_STATUSES })
  @IsOptional()
  @IsIn(BACKUP_STATUSES, { message: `status must be one of: ${BACKUP_STATUSES.join(', ')}` })
  status?: BackupStatus;

  @ApiPropertyOptional({
    description: 'Only backups requested at or after this instant (inclusive). ISO 8601; without an offset, UTC. E.g. `2024-09-01` or `2024-09-01T00:00:00Z`.',
  })
  @IsOptional()
  @IsInstant()
  since?: string;

  @ApiPropertyOptional({
    description: 'Only backups requested before this instant (exclusive). ISO 8601; without an offset, UTC. E.g. `2024-10-01T00:00:00Z`.',
  })
  @IsOptional()
  @IsInstant()
  until?: string;

  @ApiPropertyOptional({
    description: `Page size, 1 to ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when absent. E.g. \`50\`.`,
    type: Number,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
  })
  @IsOptional()
  // Only plain digits become a number; anything else stays a string and is refused.
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value))
  @IsPageSize()
  limit?: number;

  @ApiPropertyOptional({
    description:
      'Where the page starts: copy it from the `Link: <…>; rel="next"` header of the previous page. Opaque, e.g. ' +
      '`WyIyMDI0LTA5LTEyVDEyOjMwOjAwLjAwMDAwMFoiLCIxIl0`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  cursor?: string;
}
