import { SetMetadata } from '@nestjs/common';

/** What an API key may do. `admin` satisfies every scope. */
export const API_SCOPES = ['read', 'backup', 'restore', 'delete', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const REQUIRED_SCOPE_KEY = 'auth:required-scope';
export const PUBLIC_ROUTE_KEY = 'auth:public';

/** The scope a route needs. A route with neither this nor @Public() needs `admin`. */
export const RequireScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE_KEY, scope);

/** A route anyone may call without a key (health probes). */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);
