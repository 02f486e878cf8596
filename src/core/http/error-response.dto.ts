import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'databaseId' })
  field!: string;

  @ApiProperty({ example: ['databaseId must be a string'] })
  messages!: string[];
}

/** The body of every error the API returns. */
export class ErrorResponseDto {
  @ApiProperty({ example: 'Internal server error' })
  error!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Field-level problems, on 400 validation errors.' })
  details?: FieldErrorDto[];
}

/** Documents error responses with their exact `error` strings. */
export function ApiErrors(...responses: Array<[status: number, error: string]>) {
  return applyDecorators(
    ...responses.map(([status, error]) =>
      ApiResponse({ status, type: ErrorResponseDto, example: { error }, description: error }),
    ),
    ApiResponse({ status: 500, type: ErrorResponseDto, example: { error: 'Internal server error' }, description: 'Internal server error' }),
  );
}
