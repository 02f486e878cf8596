import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource, Repository } from 'typeorm';
import { isValidId } from '../core/http/id-param.js';
import { BACKUP_JOB_OPTIONS, BACKUP_QUEUE, BackupJobs, backupJobId, type BackupJobData } from '../core/queue/queue.constants.js';
import { withTimeout } from '../core/queue/with-timeout.js';
import { DatabasesService } from '../databases/databases.service.js';
import { BACKUP_STORAGE, type BackupStorage } from '../storage/storage.js';
import { BackupEntity } from './backup.entity.js';
import { BackupNotFoundError, BackupRunningError, QueueUnavailableError } from './backups.errors.js';

const ENQUEUE_TIMEOUT_MS = 1_500;

export interface BackupWithDatabaseName {
  backup: BackupEntity;
  databaseName: string;
}

@Injectable()
export class BackupsService {
  private readonly logger = new Logger(BackupsService.name);

  constructor(
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(BACKUP_QUEUE) private readonly queue: Queue<BackupJobData>,
    @Inject(BACKUP_STORAGE) private readonly storage: BackupStorage,
    private readonly databases: DatabasesService,
  ) {}

  /** Records a queued backup, then hands its id to the workers. If the queue is down nothing is left behind. */
  async trigger(databaseId: string): Promise<BackupEntity> {
    const database = await this.databases.get(databaseId);
    const backup = await this.backups.save(
      this.backups.create({ databaseId: database.id, status: 'queued', trigger: 'manual', requestedAt: new Date() }),
    );
    try {
      await this.enqueue(backup.id);
    } catch (error) {
      this.logger.warn(`Could not enqueue backup ${backup.id}: ${(error as Error).message}`);
      // A job that did reach Redis finds no row and ends as a no-op.
      await this.backups.delete({ id: backup.id, status: 'queued' }).catch(() => undefined);
      throw new QueueUnavailableError();
    }
    return backup;
  }

  async enqueue(backupId: string): Promise<void> {
    const jobId = backupJobId(backupId);
    await withTimeout(
      this.queue.add(BackupJobs.run, { backupId }, { ...BACKUP_JOB_OPTIONS, jobId }),
      ENQUEUE_TIMEOUT_MS,
      'Enqueueing the backup',
    );
  }

  /** Newest first. */
  async list(): Promise<BackupWithDatabaseName[]> {
    const { entities, raw } = await this.withDatabaseName()
      .orderBy('b.requested_at', 'DESC')
      .addOrderBy('b.id', 'DESC')
      .getRawAndEntities<{ database_name: string }>();
    return entities.map((backup, index) => ({ backup, databaseName: raw[index]!.database_name }));
  }

  async get(backupId: string): Promise<BackupWithDatabaseName> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const { entities, raw } = await this.withDatabaseName()
      .where('b.id = :backupId', { backupId })
      .getRawAndEntities<{ database_name: string }>();
    if (!entities[0]) throw new BackupNotFoundError();
    return { backup: entities[0], databaseName: raw[0]!.database_name };
  }

  /**
   * Deletes the stored file, then the record. A running backup is refused (409): its worker holds the row.
   * The row is locked meanwhile, so a worker cannot claim a queued backup that is being deleted.
   */
  async remove(backupId: string): Promise<void> {
    if (!isValidId(backupId)) throw new BackupNotFoundError();
    const wasQueued = await this.dataSource.transaction(async (manager) => {
      const backup = await manager.findOne(BackupEntity, { where: { id: backupId }, lock: { mode: 'pessimistic_write' } });
      if (!backup) throw new BackupNotFoundError();
      if (backup.status === 'running') throw new BackupRunningError();
      if (backup.storageKey) await this.storage.delete(backup.storageKey);
      await manager.delete(BackupEntity, { id: backupId });
      return backup.status === 'queued';
    });
    if (wasQueued) await this.queue.remove(backupJobId(backupId)).catch(() => undefined);
  }

  private withDatabaseName() {
    return this.backups
      .createQueryBuilder('b')
      .innerJoin('b.database', 'd')
      .withDeleted()
      .addSelect('d.name', 'database_name');
  }
}
