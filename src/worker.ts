import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadEnvironment } from './core/config/load-environment.js';
import { prepareDatabase } from './core/database/prepare-database.js';
import { PgTools } from './engines/pg-tools.js';
import { redisOptions } from './core/queue/queue-connection.module.js';
import { checkRedisSettings } from './core/queue/redis-settings-check.js';
import { jobsNotSettled } from './core/queue/job-host.js';
import { SHUTDOWN_CLOSE_ALLOWANCE_MS, stopOnSignals } from './core/process/stop-on-signals.js';
import { WorkerModule } from './worker.module.js';

const env = loadEnvironment();
await prepareDatabase(env.DATABASE_URL);
const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
const logger = app.get(Logger);
app.useLogger(logger);
// Not app.enableShutdownHooks(): its stop waits for ever when Redis is down, and ignores a second signal.
stopOnSignals({
  close: () => app.close(),
  deadlineMs: env.SHUTDOWN_GRACE_SECONDS * 1000 + SHUTDOWN_CLOSE_ALLOWANCE_MS,
  unsettled: jobsNotSettled,
  log: { error: (message) => logger.error(message, 'Worker') },
});
logger.log(`Worker ${process.pid} consuming backup jobs`, 'Worker');
void app
  .get(PgTools, { strict: false })
  .summary()
  .then(
    (tools) => logger.log(`PostgreSQL client tools: ${tools}`, 'Worker'),
    (error: Error) => logger.warn(`Could not list the PostgreSQL client tools: ${error.message}`, 'Worker'),
  );
void checkRedisSettings(redisOptions(env.REDIS_URL, 'producer'));
