import 'reflect-metadata';
import { createApiApp } from './api.app.js';
import { loadEnvironment } from './core/config/load-environment.js';
import { prepareDatabase } from './core/database/prepare-database.js';
import { redisOptions } from './core/queue/queue.module.js';
import { checkRedisSettings } from './core/queue/redis-settings-check.js';

const env = loadEnvironment('api');
await prepareDatabase(env.DATABASE_URL);
const app = await createApiApp();
await app.listen(env.PORT, env.HOST);
// A warning, never a reason not to start: managed Redis often forbids CONFIG.
void checkRedisSettings(redisOptions(env.REDIS_URL, 'producer'));
