import type { Schemas } from '../api/client';

export type Scope = Schemas['ApiKeyResponseDto']['scopes'][number];
export const SCOPES: readonly Scope[] = ['read', 'backup', 'restore', 'delete', 'admin'];

/** Mirrors the API's rule: `admin` satisfies every scope. */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes(needed) || scopes.includes('admin');
}

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  read: 'see databases, backups, restores, drills and settings; download backups',
  backup: 'back up now, verify backups',
  restore: 'restore backups, run drills, cancel restores',
  delete: 'delete backups',
  admin: 'everything, plus configuration: databases, schedules, retention, storage, webhooks, API keys',
};
