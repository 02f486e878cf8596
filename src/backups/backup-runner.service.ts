import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Repository, type QueryDeepPartialEntity } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { DatabaseEntity } from '../databases/database.entity.js';
import { DatabasesService } from '../databases/databases.service.js';
import { TargetDatabaseError } from '../engines/engine.js';
import { EngineRegistry } from '../engines/engine-registry.js';
import { BACKUP_STORAGE, type BackupStorage, type StoredObject } from '../storage/storage.js';
import { BackupEntity } from './backup.entity.js';

/** What a worker holds while it runs a backup: the fencing token that lets it, and only it, finish the row. */
export interface BackupClaim {
  backupId: string;
  databaseId: string;
  attempt: number;
}

interface DumpOutcome extends StoredObject {
  checksum: string;
  serverVersion: string;
  toolVersion: string;
}

export interface RunOptions {
  /** Whether a transient failure should be handed back to the queue for another attempt. */
  retriesLeft: boolean;
  /** Aborted when the worker shuts down. */
  signal?: AbortSignal;
}

/** A failure no retry can fix. */
class PermanentBackupError extends Error {}

/** The worker is shutting down: the backup was aborted and handed back to the queue. */
export class BackupInterruptedError extends Error {
  constructor() {
    super('Interrupted by worker shutdown; the backup will run again');
  }
}

/** Counts and hashes the bytes that flow to storage, so the checksum costs no second read. */
class DigestingStream extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

export function storageKeyFor(claim: BackupClaim, extension: string, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `db-${claim.databaseId}/${stamp}-backup-${claim.backupId}-a${claim.attempt}.${extension}`;
}

/** Runs one backup on a worker: claim the row, stream the dump to storage, record the outcome (fenced). */
@Injectable()
export class BackupRunner {
  private readonly logger = new Logger(BackupRunner.name);

  constructor(
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    @InjectRepository(DatabaseEntity) private readonly registrations: Repository<DatabaseEntity>,
    @Inject(BACKUP_STORAGE) private readonly storage: BackupStorage,
    private readonly databases: DatabasesService,
    private readonly engines: EngineRegistry,
    private readonly config: AppConfig,
  ) {}

  async run(backupId: string, options: RunOptions): Promise<void> {
    const claim = await this.claim(backupId);
    if (!claim) {
      this.logger.log(`Backup ${backupId} is finished or deleted; nothing to do`);
      return;
    }
    let outcome: DumpOutcome;
    try {
      outcome = await this.dumpToStorage(claim, options.signal);
    } catch (error) {
      if (options.signal?.aborted) {
        await this.finish(claim, { status: 'queued', startedAt: null, error: null });
        throw new BackupInterruptedError();
      }
      await this.recordFailure(claim, error as Error, options.retriesLeft);
      throw error instanceof TargetDatabaseError && error.transient && options.retriesLeft
        ? error
        : new UnrecoverableError((error as Error).message);
    }
    await this.recordSuccess(claim, outcome);
  }

  /** Takes the backup over (from `queued`, or from `running` when a previous holder died) with a new token. */
  async claim(backupId: string): Promise<BackupClaim | null> {
    const result = await this.backups
      .createQueryBuilder()
      .update(BackupEntity)
      .set({ status: 'running', attempt: () => 'attempt + 1', startedAt: () => 'now()', finishedAt: null })
      .where('id = :backupId AND status IN (:...statuses)', { backupId, statuses: ['queued', 'running'] })
      .returning('attempt, database_id')
      .execute();
    const row = (result.raw as Array<{ attempt: number; database_id: string }>)[0];
    return row ? { backupId, databaseId: String(row.database_id), attempt: row.attempt } : null;
  }

  private async dumpToStorage(claim: BackupClaim, shutdown?: AbortSignal): Promise<DumpOutcome> {
    const registration = await this.registrations.findOne({ where: { id: claim.databaseId }, withDeleted: true });
    if (!registration || registration.deletedAt) throw new PermanentBackupError('The database registration was deleted');
    const target = this.databases.connectionTarget(registration);

    const timeout = AbortSignal.timeout(this.config.backupTimeoutMs);
    const local = new AbortController();
    const signal = AbortSignal.any([timeout, local.signal, ...(shutdown ? [shutdown] : [])]);
    const session = await this.engines.get(registration.engine).startDump(target, signal);
    const upload = await this.storage.createUpload(storageKeyFor(claim, session.fileExtension)).catch((error: Error) => {
      local.abort();
      throw new PermanentBackupError(`Storage is not writable: ${error.message}`);
    });
    const digest = new DigestingStream();
    try {
      await Promise.all([pipeline(session.stdout, digest, upload.stream), session.completed]);
      const stored = await upload.commit();
      if (stored.sizeBytes !== digest.bytes) {
        throw new PermanentBackupError(`Stored file has ${stored.sizeBytes} bytes, expected ${digest.bytes}`);
      }
      return { ...stored, checksum: digest.hash.digest('hex'), serverVersion: session.serverVersion, toolVersion: session.toolVersion };
    } catch (error) {
      local.abort();
      await session.completed.catch(() => undefined);
      await upload.abort();
      if (timeout.aborted) throw new PermanentBackupError(`Backup timed out after ${this.config.backupTimeoutMs / 1000} s`);
      throw error;
    }
  }

  private async recordSuccess(claim: BackupClaim, outcome: DumpOutcome): Promise<void> {
    const owned = await this.finish(claim, {
      status: 'success',
      finishedAt: () => 'now()',
      storageKey: outcome.key,
      fileLocation: outcome.location,
      sizeBytes: String(outcome.sizeBytes),
      checksum: outcome.checksum,
      error: null,
      serverVersion: outcome.serverVersion,
      toolVersion: outcome.toolVersion,
    });
    if (owned) {
      this.logger.log(`Backup ${claim.backupId} succeeded: ${outcome.sizeBytes} bytes at ${outcome.location}`);
      return;
    }
    this.logger.warn(`Backup ${claim.backupId} attempt ${claim.attempt} lost its claim; removing its file`);
    await this.storage.delete(outcome.key);
  }

  private async recordFailure(claim: BackupClaim, error: Error, retriesLeft: boolean): Promise<void> {
    const retry = error instanceof TargetDatabaseError && error.transient && retriesLeft;
    const message = error.message || 'Backup failed';
    this.logger.warn(`Backup ${claim.backupId} attempt ${claim.attempt} failed${retry ? ', will retry' : ''}: ${message}`);
    await this.finish(
      claim,
      retry
        ? { status: 'queued', error: `Attempt ${claim.attempt} failed, retrying: ${message}` }
        : { status: 'failed', finishedAt: () => 'now()', error: message },
    );
  }

  /** The fenced write: applies only while this attempt still owns the running backup. */
  private async finish(claim: BackupClaim, values: QueryDeepPartialEntity<BackupEntity>): Promise<boolean> {
    const result = await this.backups
      .createQueryBuilder()
      .update(BackupEntity)
      .set(values)
      .where('id = :id AND attempt = :attempt AND status = :running', {
        id: claim.backupId,
        attempt: claim.attempt,
        running: 'running',
      })
      .execute();
    return result.affected === 1;
  }
}
