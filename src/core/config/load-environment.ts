import { existsSync } from 'node:fs';
import { type Environment, InvalidEnvironmentError, validateEnvironment } from './environment.js';

/** Reads ./.env when present (real environment variables win), validates, and exits with the reason if invalid. */
export function loadEnvironment(): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return validateEnvironment(process.env);
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
