import 'reflect-metadata';
import { createApiApp } from './api.app.js';
import { loadEnvironment } from './core/config/load-environment.js';
import { prepareDatabase } from './core/database/prepare-database.js';

const env = loadEnvironment('api');
await prepareDatabase(env.DATABASE_URL);
const app = await createApiApp();
await app.listen(env.PORT, env.HOST);
