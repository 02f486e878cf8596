import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { createApiApp } from './api.app.js';
import { loadEnvironment } from './core/config/load-environment.js';
import { prepareDatabase } from './core/database/prepare-database.js';
import { readyMessage } from './core/http/ready-message.js';
import { redisOptions } from './core/queue/queue-connection.module.js';
import { checkRedisSettings } from './core/queue/redis-settings-check.js';

const LISTEN_BACKLOG = 4096;

const env = loadEnvironment('api');
await prepareDatabase(env.DATABASE_URL);
const app = await createApiApp();
// A burst of clients (a fleet's cron at the top of the hour) queues in the kernel instead of being reset.
await app.listen({ port: env.PORT, host: env.HOST, backlog: LISTEN_BACKLOG });
// Among the start-up lines, the one a person looks for: where to go (with the bound port, should PORT be 0).
const { port } = app.getHttpServer().address() as AddressInfo;
app.get(Logger).log(readyMessage(env.HOST, port), 'Api');
// A warning, never a reason not to start: managed Redis often forbids CONFIG.
void checkRedisSettings(redisOptions(env.REDIS_URL, 'producer'));
