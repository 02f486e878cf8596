import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from './api-key-material.js';
import { ApiKeysService, type AuthenticatedKey } from './api-keys.service.js';
import { MissingScopeError, UnauthenticatedError } from './auth.errors.js';
import { ANY_KEY, ANY_KEY_ROUTE_KEY, type ApiScope, PUBLIC_ROUTE_KEY, REQUIRED_SCOPE_KEY } from './scopes.js';

/** A request that passed the guard carries the key it was authenticated with (the rate limiter counts per key). */
export type AuthenticatedRequest = FastifyRequest & { apiKey?: AuthenticatedKey };

/** The scope a route needs: its @RequireScope, any key (@RequireAnyKey), or `admin` when it has none (secure by default). */
export function requiredScope(reflector: Reflector, context: ExecutionContext): ApiScope | typeof ANY_KEY | null {
  const targets = [context.getHandler(), context.getClass()];
  if (reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, targets)) return null;
  if (reflector.getAllAndOverride<boolean>(ANY_KEY_ROUTE_KEY, targets)) return ANY_KEY;
  return reflector.getAllAndOverride<ApiScope>(REQUIRED_SCOPE_KEY, targets) ?? 'admin';
}

export function grants(scopes: readonly ApiScope[], needed: ApiScope): boolean {
  return scopes.includes(needed) || scopes.includes('admin');
}

/** Every route needs `Authorization: Bearer <key>` with the route's scope, except those marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const needed = requiredScope(this.reflector, context);
    if (needed === null) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    const key = token === null ? null : await this.keys.authenticate(token);
    if (!key) {
      void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer');
      throw new UnauthenticatedError();
    }
    request.apiKey = key;
    if (needed !== ANY_KEY && !grants(key.scopes, needed)) throw new MissingScopeError(needed);
    return true;
  }
}
