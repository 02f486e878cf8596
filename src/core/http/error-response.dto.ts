import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'databaseId' })
  field!: string;

  @ApiProperty({ example: ['databaseId is required'] })
  messages!: string[];
}

/** The body of every error the API returns. */
export class ErrorResponseDto {
  @ApiProperty({ example: 'Internal server error' })
  error!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Field-level problems, on 400 validation errors.' })
  details?: FieldErrorDto[];
}

/**
 * What each error status means, as the response's description. The exact `error` strings are in the examples, so
 * that Swagger UI shows each text once.
 */
const STATUS_MEANINGS: Record<number, string> = {
  400: 'The request is invalid.',
  401: 'No API key, or one that is unknown, expired or revoked.',
  403: 'The API key does not have the scope this route needs.',
  404: 'Something the request names does not exist.',
  409: 'The current state does not allow it.',
  422: 'Understood, but it cannot be done.',
  500: 'An unexpected failure; the logs have it under the X-Request-Id.',
  502: 'A storage or target server failed.',
  503: 'A service it needs is unavailable; try again shortly.',
};

/** One documented error status: its meaning, and its exact body (or bodies, one example each). */
export function errorResponse(status: number, errors: string[]) {
  const description = STATUS_MEANINGS[status] ?? `HTTP ${status}.`;
  if (errors.length === 1) return ApiResponse({ status, type: ErrorResponseDto, example: { error: errors[0] }, description });
  const examples = Object.fromEntries(errors.map((error) => [error, { summary: error, value: { error } }]));
  return ApiResponse({ status, type: ErrorResponseDto, examples, description });
}

/** Documents error responses with their exact `error` strings; several strings of one status become its examples. */
export function ApiErrors(...responses: Array<[status: number, error: string]>) {
  const byStatus = new Map<number, string[]>();
  for (const [status, error] of responses) byStatus.set(status, [...(byStatus.get(status) ?? []), error]);
  return applyDecorators(
    ...[...byStatus].map(([status, errors]) => errorResponse(status, errors)),
    errorResponse(500, ['Internal server error']),
  );
}
