import { Injectable } from '@nestjs/common';
import { finishedEventKey } from '../core/database/fenced-records.js';
import { FinishedListener } from '../core/database/finished-listener.js';
import { isValidId } from '../core/http/id-param.js';
import { BackupIntegrityError } from '../pipeline/backup-file.js';
import { StoredBackupFiles } from '../pipeline/stored-backup-files.js';
import type { Readable } from 'node:stream';
import { decodeCursor, encodeCursor } from './backup-cursor.js';
import type { BackupListQuery } from './backup-listing.js';
import type { BackupEntity } from './backup.entity.js';
import { BackupsRepository } from './backups.repository.js';
import { BackupRemover } from './backup-remover.service.js';
import { BackupRequests, type QueuedBackup } from './backup-requests.service.js';
import { VerifyRequests } from './verify-requests.service.js';
import { ContentsRequests } from './contents-requests.service.js';
import type { ContentsObject } from './backup-contents.js';
import { BackupSummaryDto } from './dto/backup-response.dto.js';
import {
  BackupContentsUnreadableError,
  BackupFileCorruptError,
  BackupHasNoFileError,
  BackupNotFoundError,
  BackupVerificationFailedError,
  InvalidCursorError,
} from './backups.errors.js';


function rethrowAsCorrupt(error: Error): never {
  throw error instanceof BackupIntegrityError ? new BackupFileCorruptError(error.message) : error;
}

export interface BackupPage {
  items: BackupSummaryDto[];
  /** Cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

export interface BackupWithDatabaseName {
  backup: BackupEntity;
  databaseName: string;
}

@Injectable()
export class BackupsService {
  constructor(
    private readonly backups: BackupsRepository,
    private readonly requests: BackupRequests,
    private readonly remover: BackupRemover,
    private readonly files: StoredBackupFiles,
    private readonly finished: FinishedListener,
    private readonly verifications: VerifyRequests,
    private readonly contentsRequests: ContentsRequests,
  ) {}

  /** A manual backup (POST /backups): see BackupRequests.requestManual. */
  trigger(databaseId: string): Promise<QueuedBackup> {
    return this.requests.requestManual(databaseId);
  }

  /** Returns once the backup is success or failed, or after `seconds`. */
  async waitUntilFinished(backupId: string, seconds: number): Promise<void> {
    await this.finished.waitFor(finishedEventKey('Backup', backupId), seconds * 1000, async () => {
      const { backup } = await this.get(backupId);
      return backup.status === 'success' || backup.status === 'failed';
    });
  }

  /**
   * One page of backups, newest first (requested_at, then id), and the cursor of the next page when there may be
   * one. Keyset pagination: the cost of a page does not grow with its depth.
   */
  async list(query: Omit<BackupListQuery, 'after'> & { cursor?: string }): Promise<BackupPage> {
    const { cursor, ...rest } = query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && !after) throw new InvalidCursorError();
    const rows = await this.backups.listPage({ ...rest, after });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => BackupSummaryDto.fromListRow(row)),
      next: rows.length > query.limit && last ? encodeCursor({ requestedAt: last.sort_key, id: last.id }) : undefined,
    };
  }

  async get(backupId: string): Promise<BackupWithDatabaseName> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const found = await this.backups.findWithDatabaseName(backupId);
    if (!found) throw new BackupNotFoundError();
    return found;
  }

  /** DELETE /backups/:id: see BackupRemover.remove. */
  remove(backupId: string): Promise<void> {
    return this.remover.remove(backupId);
  }

  /**
   * Has a worker re-read the stored file (size, sha256, decryption) and the engine read the whole archive
   * (pg_restore for PostgreSQL): see VerifyRequests and BackupVerifier. The outcome is recorded on the backup; a
   * failure answers 422.
   */
  async verify(backupId: string, clientGone?: AbortSignal): Promise<BackupWithDatabaseName> {
    const { backup } = await this.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupHasNoFileError(backup.status);
    await this.verifications.verifyInWorker(backup.id, clientGone);
    const verified = await this.get(backup.id);
    const { status, storageKey, verificationStatus, verificationError } = verified.backup;
    if (status !== 'success' || !storageKey) throw new BackupHasNoFileError(status);
    if (verificationStatus === 'failed') throw new BackupVerificationFailedError(verificationError ?? 'unknown reason');
    return verified;
  }

  /**
   * What the backup holds (GET /backups/:id/contents): a worker reads the stored file (size, sha256, decryption)
   * and has the engine list its objects (see ContentsRequests and BackupContentsLister). A changed file answers
   * 409 as a download would; an archive the engine cannot read, 422.
   */
  async contents(backupId: string, clientGone?: AbortSignal): Promise<{ backup: BackupEntity; objects: ContentsObject[] }> {
    const { backup } = await this.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupHasNoFileError(backup.status);
    const result = await this.contentsRequests.listInWorker(backup.id, clientGone);
    if (result.outcome === 'no-file') throw new BackupHasNoFileError(result.status);
    if (result.outcome === 'unreadable') {
      throw result.corrupt ? new BackupFileCorruptError(result.reason) : new BackupContentsUnreadableError(result.reason);
    }
    return { backup, objects: result.objects };
  }

  /**
   * The stored bytes, after a size check; the stream fails at its end if their sha256 is not the recorded one.
   * A small file is read and checked whole before anything is sent, so an altered one answers 409 instead of a
   * response cut short before its first byte.
   */
  async openDownload(backupId: string): Promise<{ backup: BackupEntity; databaseName: string; stream: Readable }> {
    const { backup, databaseName } = await this.get(backupId);
    if (backup.status !== 'success' || !backup.storageKey) throw new BackupHasNoFileError(backup.status);
    const stream = await this.files.openDownload(backup).catch(rethrowAsCorrupt);
    return { backup, databaseName, stream };
  }
}
