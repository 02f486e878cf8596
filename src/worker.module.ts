import { Module } from '@nestjs/common';
import { BackupsWorkerModule } from './backups/backups-worker.module.js';
import { RestoresWorkerModule } from './restores/restores-worker.module.js';
import { ConfigModule } from './core/config/config.module.js';
import { CryptoModule } from './core/crypto/crypto.module.js';
import { DatabaseModule } from './core/database/database.module.js';
import { ENTITIES } from './entities.js';
import { LoggingModule } from './core/logging/logging.module.js';
import { NetModule } from './core/net/net.module.js';
import { QueueModule } from './core/queue/queue.module.js';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module.js';
import { WorkerMetricsModule } from './metrics/worker-metrics.module.js';
import { EnginesModule } from './engines/engines.module.js';
import { RetentionWorkerModule } from './retention/retention-worker.module.js';
import { SchedulesWorkerModule } from './schedules/schedules-worker.module.js';
import { StorageModule } from './storage/storage.module.js';

/** The worker: consumes the backup queue. No HTTP server. */
@Module({
  imports: [
    ConfigModule,
    CryptoModule,
    LoggingModule,
    NetModule,
    DatabaseModule.forRoot(ENTITIES),
    QueueModule.forRole('worker'),
    WorkerMetricsModule,
    StorageModule,
    EnginesModule,
    BackupsWorkerModule,
    RestoresWorkerModule,
    SchedulesWorkerModule,
    RetentionWorkerModule,
    NotificationsWorkerModule,
  ],
})
export class WorkerModule {}
