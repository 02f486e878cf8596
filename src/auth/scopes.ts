import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { errorResponse } from '../core/http/error-response.dto.js';
import { BEARER_SCHEME } from '../core/http/swagger.js';

/** What an API key may do. `admin` satisfies every scope. */
export const API_SCOPES = ['read', 'backup', 'restore', 'delete', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const REQUIRED_SCOPE_KEY = 'auth:required-scope';
export const PUBLIC_ROUTE_KEY = 'auth:public';
export const ANY_KEY_ROUTE_KEY = 'auth:any-key';
/** What a route marked @RequireAnyKey() needs: a valid key, whatever its scopes. */
export const ANY_KEY = 'any-key';

export const MISSING_KEY_MESSAGE = 'Missing or invalid API key';

export function missingScopeMessage(scope: ApiScope): string {
  return `This API key lacks the '${scope}' scope`;
}

/**
 * The scope a route needs (on a method or a controller). A route with neither this nor @Public() needs `admin`.
 * Also documents the bearer requirement and the 401/403 answers in Swagger.
 */
export const RequireScope = (scope: ApiScope) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE_KEY, scope),
    ApiBearerAuth(BEARER_SCHEME),
    errorResponse(401, [MISSING_KEY_MESSAGE]),
    errorResponse(403, [missingScopeMessage(scope)]),
  );

/** A route any valid key may call, whatever its scopes (a key describing itself). */
export const RequireAnyKey = () =>
  applyDecorators(SetMetadata(ANY_KEY_ROUTE_KEY, true), ApiBearerAuth(BEARER_SCHEME), errorResponse(401, [MISSING_KEY_MESSAGE]));

/** A route anyone may call without a key (health probes). */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);
