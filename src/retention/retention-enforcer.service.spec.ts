import { describe, expect, it } from '@jest/globals';
import type { BackupRemover } from '../backups/backup-remover.service.js';
import { BackupNotFoundError, BackupRestoringError } from '../backups/backups.errors.js';
import type { BackupsRepository } from '../backups/backups.repository.js';
import type { Tx } from '../core/database/transactions.js';
import type { DatabasesService } from '../databases/databases.service.js';
import { RetentionEnforcer } from './retention-enforcer.service.js';
import type { RetentionPoliciesRepository } from './retention-policies.repository.js';
import type { RetentionPolicy } from './retention-selection.js';
import { RetentionService } from './retention.service.js';

const NOW = new Date('2024-09-12T12:00:00Z');
const KEEP_LAST_2: RetentionPolicy = { keepLast: 2, keepDays: null, keepDaily: null, keepWeekly: null, keepMonthly: null };

function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * 86_400_000);
}

/** The transaction the fake lock hands out: the enforcer must read the policy and the candidates inside it. */
const LOCKED_TX = { locked: true } as unknown as Tx;

function setUp(options: { refuse?: Record<string, Error> } = {}) {
  const events: string[] = [];
  const policies = new Map<string, RetentionPolicy>([
    ['1', KEEP_LAST_2],
    ['2', { ...KEEP_LAST_2, keepLast: 1 }],
  ]);
  /** Successful backups by database: id and requested_at. */
  const successful = new Map<string, Array<{ id: string; requestedAt: Date }>>([
    ['1', [10, 11, 12, 13].map((id, i) => ({ id: String(id), requestedAt: daysAgo(4 - i) }))],
    ['2', [20, 21].map((id, i) => ({ id: String(id), requestedAt: daysAgo(2 - i) }))],
    ['3', [30, 31].map((id, i) => ({ id: String(id), requestedAt: daysAgo(2 - i) }))],
  ]);
  const policiesRepository = {
    whileLocked: async <T>(databaseId: string, work: (tx: Tx) => Promise<T>) => {
      events.push(`lock ${databaseId}`);
      try {
        return await work(LOCKED_TX);
      } finally {
        events.push(`unlock ${databaseId}`);
      }
    },
    findFor: async (databaseId: string, tx?: Tx) => {
      if (tx !== LOCKED_TX) throw new Error('policy read outside the lock');
      return policies.get(databaseId) ?? null;
    },
    databaseIds: async () => [...policies.keys()].sort(),
  };
  const backups = {
    successful: async (databaseId: string, tx?: Tx) => {
      if (tx !== LOCKED_TX) throw new Error('candidates read outside the lock');
      return successful.get(databaseId) ?? [];
    },
  };
  const remover = {
    remove: async (backupId: string) => {
      const refusal = options.refuse?.[backupId];
      if (refusal) throw refusal;
      events.push(`delete ${backupId}`);
      for (const rows of successful.values()) {
        const index = rows.findIndex((row) => row.id === backupId);
        if (index >= 0) rows.splice(index, 1);
      }
    },
  };
  const retention = new RetentionService(
    policiesRepository as unknown as RetentionPoliciesRepository,
    backups as unknown as BackupsRepository,
    {} as DatabasesService,
  );
  const enforcer = new RetentionEnforcer(
    policiesRepository as unknown as RetentionPoliciesRepository,
    retention,
    remover as unknown as BackupRemover,
  );
  return { enforcer, events, successful };
}

describe('RetentionEnforcer', () => {
  it('deletes what the policy no longer keeps, oldest last, under the database’s lock', async () => {
    const { enforcer, events, successful } = setUp();
    await expect(enforcer.enforce('1', NOW)).resolves.toEqual(['11', '10']);
    expect(events).toEqual(['lock 1', 'delete 11', 'delete 10', 'unlock 1']);
    expect(successful.get('1')!.map((backup) => backup.id)).toEqual(['12', '13']);
  });

  it('a database without a policy keeps everything', async () => {
    const { enforcer, events } = setUp();
    await expect(enforcer.enforce('3', NOW)).resolves.toEqual([]);
    expect(events).toEqual(['lock 3', 'unlock 3']);
  });

  it('a second run finds nothing more to delete', async () => {
    const { enforcer } = setUp();
    await enforcer.enforce('1', NOW);
    await expect(enforcer.enforce('1', NOW)).resolves.toEqual([]);
  });

  it('keeps a backup being restored for now and skips one deleted meanwhile', async () => {
    const { enforcer, events } = setUp({ refuse: { '11': new BackupRestoringError(), '10': new BackupNotFoundError() } });
    await expect(enforcer.enforce('1', NOW)).resolves.toEqual([]);
    expect(events).toEqual(['lock 1', 'unlock 1']);
  });

  it('a storage failure on one backup does not stop the next', async () => {
    const { enforcer, events } = setUp({ refuse: { '11': new Error('Deleting the file failed: AccessDenied') } });
    await expect(enforcer.enforce('1', NOW)).resolves.toEqual(['10']);
    expect(events).toEqual(['lock 1', 'delete 10', 'unlock 1']);
  });

  it('the sweep enforces every database that has a policy, one after the other', async () => {
    const { enforcer, events } = setUp();
    await enforcer.enforceAll();
    expect(events.filter((event) => !event.startsWith('delete'))).toEqual(['lock 1', 'unlock 1', 'lock 2', 'unlock 2']);
    expect(events.filter((event) => event.startsWith('delete'))).toEqual(['delete 11', 'delete 10', 'delete 20']);
  });
});
