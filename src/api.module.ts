import { Module } from '@nestjs/common';
import { DrillsApiModule } from './drills/drills-api.module.js';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { BackupsModule } from './backups/backups.module.js';
import { RestoresModule } from './restores/restores.module.js';
import { ConfigModule } from './core/config/config.module.js';
import { CryptoModule } from './core/crypto/crypto.module.js';
import { DatabaseModule } from './core/database/database.module.js';
import { ENTITIES } from './entities.js';
import { HttpExceptionFilter } from './core/http/http-exception.filter.js';
import { createValidationPipe } from './core/http/validation.pipe.js';
import { LoggingModule } from './core/logging/logging.module.js';
import { QueueConnectionModule } from './core/queue/queue-connection.module.js';
import { DatabasesApiModule } from './databases/databases-api.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OverviewApiModule } from './overview/overview-api.module.js';
import { WebhooksModule } from './notifications/webhooks.module.js';
import { RetentionApiModule } from './retention/retention-api.module.js';
import { SchedulesApiModule } from './schedules/schedules-api.module.js';
import { StorageApiModule } from './storage/storage-api.module.js';

/** The HTTP API. It produces jobs and never consumes them. */
@Module({
  imports: [
    ConfigModule,
    CryptoModule,
    LoggingModule,
    DatabaseModule.forRoot(ENTITIES),
    QueueConnectionModule.forRole('producer'),
    AuthModule,
    StorageApiModule,
    DatabasesApiModule,
    SchedulesApiModule,
    BackupsModule,
    HealthModule,
    RestoresModule,
    DrillsApiModule,
    RetentionApiModule,
    WebhooksModule,
    MetricsModule,
    OverviewApiModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
  ],
})
export class ApiModule {}
