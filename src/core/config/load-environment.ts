import { existsSync } from 'node:fs';
import { apiEnvironmentProblems, type Environment, InvalidEnvironmentError, validateEnvironment } from './environment.js';

/**
 * Reads ./.env when present (real environment variables win), validates, and exits with the reason if invalid.
 * `api`: also what only the API needs (ADMIN_API_KEY in production).
 */
export function loadEnvironment(role: 'api' | 'any' = 'any'): Environment {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const env = validateEnvironment(process.env);
    const problems = role === 'api' ? apiEnvironmentProblems(env) : [];
    if (problems.length > 0) throw new InvalidEnvironmentError(`Invalid environment configuration:\n${problems.join('\n')}`);
    return env;
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
