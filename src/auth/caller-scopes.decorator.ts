import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard.js';
import type { ApiScope } from './scopes.js';

/** The scopes of the key the request was authenticated with (set by ApiKeyGuard); undefined on public routes. */
export const CallerScopes = createParamDecorator(
  (_data: unknown, context: ExecutionContext): readonly ApiScope[] | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.scopes,
);
