import { describe, expect, it } from '@jest/globals';
import type { FinishedListener } from '../core/database/finished-listener.js';
import { JobInterruptedError } from '../core/database/fenced-records.js';
import type { JobAttempt } from '../core/queue/job-host.js';
import type { EngineRegistry } from '../engines/engine-registry.js';
import type { ArchiveObject } from '../engines/engine.js';
import { BackupIntegrityError } from '../pipeline/backup-file.js';
import type { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import { BackupContentsLister } from './backup-contents-lister.service.js';
import { contentsCancelledKey, contentsListedKey } from './backup-contents.js';
import type { BackupEntity } from './backup.entity.js';
import type { BackupsRepository } from './backups.repository.js';

const BACKUP = { id: '7', status: 'success', storageKey: 'db/7.dump.zst', engine: 'postgres', catalogKey: null } as unknown as BackupEntity;

class Fakes {
  backup: BackupEntity | null = BACKUP;
  listing: () => Promise<ArchiveObject[]> = async () => [{ kind: 'table', schema: 'public', name: 'album' }];
  readonly announced: string[] = [];
  readonly listeners = new Map<string, () => void>();
  readonly shutdown = new AbortController();
  onList: () => void = () => undefined;

  lister(): BackupContentsLister {
    const backups = {
      findById: async () => this.backup,
      announce: async (key: string) => void this.announced.push(key),
    } as unknown as BackupsRepository;
    const files = {
      listContents: async () => {
        this.onList();
        return this.listing();
      },
    } as unknown as StoredBackupFiles;
    const engines = { get: () => ({}) } as unknown as EngineRegistry;
    const listener = {
      subscribe: (key: string, run: () => void) => {
        this.listeners.set(key, run);
        return () => this.listeners.delete(key);
      },
    } as unknown as FinishedListener;
    return new BackupContentsLister(backups, files, engines, listener);
  }

  attempt(): JobAttempt {
    return { job: { id: 'contents-7-r', timestamp: 0, delay: 0 }, retriesLeft: false, shutdown: this.shutdown.signal };
  }
}

describe('BackupContentsLister', () => {
  it('returns the sorted objects and announces them to the waiting request', async () => {
    const fakes = new Fakes();
    fakes.listing = async () => [
      { kind: 'index', schema: 'public', name: 'i' },
      { kind: 'table', schema: 'public', name: 'album' },
    ];
    await expect(fakes.lister().list('7', fakes.attempt())).resolves.toEqual({
      outcome: 'listed',
      objects: [
        { kind: 'table', schema: 'public', name: 'album' },
        { kind: 'index', schema: 'public', name: 'i' },
      ],
    });
    expect(fakes.announced).toEqual([contentsListedKey('contents-7-r')]);
    expect(fakes.listeners.size).toBe(0);
  });

  it('a backup deleted or without a file meanwhile: no-file, with its status', async () => {
    const fakes = new Fakes();
    fakes.backup = null;
    await expect(fakes.lister().list('7', fakes.attempt())).resolves.toEqual({ outcome: 'no-file', status: 'deleted' });
    fakes.backup = { ...BACKUP, status: 'failed', storageKey: null } as BackupEntity;
    await expect(fakes.lister().list('7', fakes.attempt())).resolves.toEqual({ outcome: 'no-file', status: 'failed' });
  });

  it('an altered file is unreadable and corrupt; an archive the tool refuses is unreadable only', async () => {
    const fakes = new Fakes();
    fakes.listing = async () => {
      throw new BackupIntegrityError('Backup file checksum does not match the record (altered)');
    };
    await expect(fakes.lister().list('7', fakes.attempt())).resolves.toEqual({
      outcome: 'unreadable',
      reason: 'Backup file checksum does not match the record (altered)',
      corrupt: true,
    });
    fakes.listing = async () => {
      throw new Error('pg_restore cannot read the archive');
    };
    await expect(fakes.lister().list('7', fakes.attempt())).resolves.toEqual({
      outcome: 'unreadable',
      reason: 'pg_restore cannot read the archive',
      corrupt: false,
    });
  });

  it('listens for its cancellation while it reads, and hands the job back on shutdown', async () => {
    const fakes = new Fakes();
    fakes.onList = () => {
      expect(fakes.listeners.has(contentsCancelledKey('contents-7-r'))).toBe(true);
      fakes.shutdown.abort();
    };
    await expect(fakes.lister().list('7', fakes.attempt())).rejects.toBeInstanceOf(JobInterruptedError);
    expect(fakes.announced).toEqual([]);
  });
});
