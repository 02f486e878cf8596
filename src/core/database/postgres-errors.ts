import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError) || (error as { code?: string }).code !== UNIQUE_VIOLATION) return false;
  return constraint === undefined || (error as { constraint?: string }).constraint === constraint;
}

/** SQLSTATE classes and codes meaning the server cannot serve us right now (not a fault of the request). */
const UNAVAILABLE_CODES = /^(08...|53300|57P0[1-3])$/;
const UNAVAILABLE_SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i;

/** Whether an error says PostgreSQL is down, restarting or out of connections. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const driverError = (error as { driverError?: unknown }).driverError;
  const code = String((error as { code?: unknown }).code ?? (driverError as { code?: unknown } | undefined)?.code ?? '');
  return UNAVAILABLE_CODES.test(code) || UNAVAILABLE_SYSTEM_CODES.has(code) || UNAVAILABLE_MESSAGES.test(error.message);
}
