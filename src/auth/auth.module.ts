import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { AdminKeySeeder } from './admin-key.seeder.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard.js';
import { ApiKeysController } from './api-keys.controller.js';
import { CurrentApiKeyController } from './current-api-key.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests';
const ONE_MINUTE_MS = 60_000;

/** Counted per API key (per address for requests without one), across every route and every API replica. */
export function rateLimitTracker(request: Record<string, unknown>): string {
  const { apiKey, ip } = request as unknown as AuthenticatedRequest;
  return apiKey ? `key:${apiKey.id}` : `ip:${ip}`;
}

/** Gives the shared counters a lifecycle (their Redis connection closes with the app). */
@Module({ providers: [RedisThrottlerStorage], exports: [RedisThrottlerStorage] })
class RateLimitStorageModule {}

/**
 * API keys and rate limiting, for the API process only. The guards run in this order: the key is checked
 * (401/403), then counted (429).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKeyEntity]),
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AppConfig, RedisThrottlerStorage],
      useFactory: (config: AppConfig, storage: RedisThrottlerStorage) => ({
        throttlers: [{ name: 'default', ttl: ONE_MINUTE_MS, limit: config.rateLimitPerMinute }],
        storage,
        errorMessage: TOO_MANY_REQUESTS_MESSAGE,
        getTracker: rateLimitTracker,
        generateKey: (_context, tracker, throttlerName) => `${throttlerName}:${tracker}`,
      }),
    }),
  ],
  controllers: [CurrentApiKeyController, ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    AdminKeySeeder,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ThrottlerGuard },
  ],
})
export class AuthModule {}
