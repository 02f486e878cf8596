import { Module } from '@nestjs/common';
import { DrillsWorkerModule } from './drills/drills-worker.module.js';
import { BackupsWorkerModule } from './backups/backups-worker.module.js';
import { RestoresWorkerModule } from './restores/restores-worker.module.js';
import { ConfigModule } from './core/config/config.module.js';
import { CryptoModule } from './core/crypto/crypto.module.js';
import { DatabaseModule } from './core/database/database.module.js';
import { ENTITIES } from './entities.js';
import { LoggingModule } from './core/logging/logging.module.js';
import { QueueConnectionModule } from './core/queue/queue-connection.module.js';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module.js';
import { WorkerMetricsModule } from './core/metrics/worker-metrics.module.js';
import { RetentionWorkerModule } from './retention/retention-worker.module.js';
import { SchedulesWorkerModule } from './schedules/schedules-worker.module.js';

/** The worker: consumes the queues. No HTTP server, and no API controller. */
@Module({
  imports: [
    ConfigModule,
    CryptoModule,
    LoggingModule,
    DatabaseModule.forRoot(ENTITIES),
    QueueConnectionModule.forRole('worker'),
    WorkerMetricsModule,
    BackupsWorkerModule,
    RestoresWorkerModule,
    DrillsWorkerModule,
    SchedulesWorkerModule,
    RetentionWorkerModule,
    NotificationsWorkerModule,
  ],
})
export class WorkerModule {}
