import { loadEnvironment } from '../config/load-environment.js';
import { prepareDatabase } from './prepare-database.js';

const env = loadEnvironment();
const applied = await prepareDatabase(env.DATABASE_URL);
process.stdout.write(applied.length ? `Applied migrations: ${applied.join(', ')}\n` : 'No pending migrations\n');
