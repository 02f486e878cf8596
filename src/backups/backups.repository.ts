import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { FencedTable } from '../core/database/fenced-records.js';
import { fencedTable } from '../core/database/fenced-table.js';
import type { Tx } from '../core/database/transactions.js';
import { type BackupListQuery, type BackupListRow, backupPageSql } from './backup-listing.js';
import { BackupEntity } from './backup.entity.js';
import type { BackupMeasure } from './backup-anomalies.js';
import { announce } from '../core/database/finished-listener.js';

/** What a new queued backup records: the origin and the registration's settings at request time. */
export type NewBackup = Pick<
  BackupEntity,
  'databaseId' | 'trigger' | 'engine' | 'compression' | 'encrypted' | 'storageTargetId'
> & { scheduleId?: string; scheduledFor?: Date };

/** A row of the batched manual insert. */
export interface InsertedManualBackup {
  id: string;
  status: BackupEntity['status'];
  database_id: string;
}

/** What a backup being deleted may do with its locked row (BackupsRepository.lockForDeletion). */
export interface LockedBackup {
  backup: BackupEntity;
  /** Whether a restore from this backup is queued or running. */
  isBeingRestored(): Promise<boolean>;
  recordError(message: string): Promise<void>;
  delete(): Promise<void>;
}

/** One row per (database, status): what the scrape reads from PostgreSQL. */
export interface BackupAggregate {
  databaseId: string;
  databaseName: string;
  engine: string;
  /** Whether the registration was deleted: its history still counts, it gets no last-success series. */
  deleted: boolean;
  status: string;
  count: number;
  bytes: number;
  lastFinishedAt: number | null;
  durationCount: number;
  durationSum: number;
  /** Finished backups with a duration ≤ each of the bucket bounds asked for. */
  durationBuckets: number[];
  /** Backups with at least one warning (lossy columns). */
  warned: number;
}

/** Successful backups flagged with an anomaly of one kind, per database: what the scrape reads. */
export interface AnomalyAggregate {
  databaseId: string;
  databaseName: string;
  engine: string;
  kind: string;
  count: number;
}

/** The SQL of the `backups` table. */
@Injectable()
export class BackupsRepository {
  /** The fenced claim and writes of a worker running a backup. */
  readonly fenced: FencedTable<BackupEntity>;

  constructor(@InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>) {
    this.fenced = fencedTable(backups);
  }

  findById(id: string): Promise<BackupEntity | null> {
    return this.backups.findOneBy({ id });
  }

  /** Tells the processes listening on PostgreSQL (FinishedListener) about `key`: a verification done or cancelled. */
  announce(key: string): Promise<void> {
    return announce(this.backups, key);
  }

  /** Throws TypeORM's EntityNotFoundError when there is no such backup. */
  findByIdOrFail(id: string): Promise<BackupEntity> {
    return this.backups.findOneByOrFail({ id });
  }

  /** The backup and the name of its database, even a deleted registration's. */
  async findWithDatabaseName(id: string): Promise<{ backup: BackupEntity; databaseName: string } | null> {
    // withDeleted() must come before the join: TypeORM adds `deleted_at IS NULL` to a join when it is made.
    const { entities, raw } = await this.backups
      .createQueryBuilder('b')
      .withDeleted()
      .innerJoin('b.database', 'd')
      .addSelect('d.name', 'database_name')
      .where('b.id = :id', { id })
      .getRawAndEntities<{ database_name: string }>();
    return entities[0] ? { backup: entities[0], databaseName: raw[0]!.database_name } : null;
  }

  /** One page of the listing, with one row more than asked when there is a next page (see backupPageSql). */
  listPage(query: BackupListQuery): Promise<BackupListRow[]> {
    const { sql, parameters } = backupPageSql(query);
    return this.backups.query(sql, parameters);
  }

  /**
   * One INSERT for a batch of manual requests: rows only for registered, non-deleted databases without an
   * unfinished backup, with each registration's settings, in the order asked.
   */
  insertManualBatch(databaseIds: string[]): Promise<InsertedManualBackup[]> {
    return this.backups.query(
      `INSERT INTO backups (database_id, status, trigger, requested_at, engine, compression, encrypted, storage_target_id)
       SELECT d.id, 'queued', 'manual', now(), d.engine, d.compression, d.encrypted, d.storage_target_id
       FROM unnest($1::bigint[]) WITH ORDINALITY AS r (id, position) JOIN databases d ON d.id = r.id AND d.deleted_at IS NULL
       ORDER BY r.position
       ON CONFLICT (database_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING id::text AS id, status, database_id::text AS database_id`,
      [databaseIds],
    );
  }

  /** Inserts one queued backup; a unique violation (one unfinished per database, one per tick) is the caller's. */
  insertQueued(values: NewBackup): Promise<BackupEntity> {
    return this.backups.save(this.backups.create({ ...values, status: 'queued', requestedAt: new Date() }));
  }

  /** Removes backups that are still queued (their job could not be enqueued). */
  async deleteQueued(ids: string[]): Promise<void> {
    await this.backups.query(`DELETE FROM backups WHERE id = ANY($1::bigint[]) AND status = 'queued'`, [ids]);
  }

  /** The id of the database's queued or running backup, if any. */
  async findUnfinishedId(databaseId: string): Promise<string | null> {
    const unfinished = await this.backups.findOne({
      where: { databaseId, status: In(['queued', 'running']) },
      select: { id: true },
    });
    return unfinished?.id ?? null;
  }

  /** The database's newest successful backup (by request time), the one a drill restores; null if none. */
  newestSuccessful(databaseId: string): Promise<BackupEntity | null> {
    return this.backups.findOne({ where: { databaseId, status: 'success' }, order: { requestedAt: 'DESC', id: 'DESC' } });
  }

  /** requested_at of the database's newest successful backup, scheduled or manual. */
  async lastSuccessAt(databaseId: string): Promise<Date | null> {
    const [row] = await this.backups.query(
      "SELECT max(requested_at) AS at FROM backups WHERE database_id = $1 AND status = 'success'",
      [databaseId],
    );
    return (row?.at as Date | null) ?? null;
  }

  /** The database's successful backups (retention's candidates): id and requested_at. */
  successful(databaseId: string, tx?: Tx): Promise<Array<Pick<BackupEntity, 'id' | 'requestedAt'>>> {
    return (tx ?? this.backups.manager).find(BackupEntity, {
      where: { databaseId, status: 'success' },
      select: { id: true, requestedAt: true },
    });
  }

  /**
   * The measures of the database's latest successful backups before this one (by request time, then id), newest
   * first: the history its anomalies are judged against. Only files stored like this one (same compression and
   * encryption) compare: switching a registration from no compression to zstd is not a shrink.
   */
  successHistoryBefore(backupId: string, limit: number): Promise<BackupMeasure[]> {
    return this.backups.query(
      `SELECT b.size_bytes::float8 AS "sizeBytes", date_part('epoch', b.finished_at - b.started_at)::float8 AS "durationSeconds"
       FROM backups b JOIN backups c ON c.id = $1 AND b.database_id = c.database_id
       WHERE b.status = 'success' AND (b.requested_at, b.id) < (c.requested_at, c.id)
         AND b.compression = c.compression AND b.encrypted = c.encrypted
         AND b.size_bytes IS NOT NULL AND b.started_at IS NOT NULL AND b.finished_at IS NOT NULL
       ORDER BY b.requested_at DESC, b.id DESC
       LIMIT $2`,
      [backupId, limit],
    );
  }

  /** Seconds since the backup's current attempt started, on the database's clock (as the history's durations). */
  async secondsSinceStart(backupId: string): Promise<number | null> {
    const [row] = await this.backups.query(
      `SELECT date_part('epoch', now() - started_at)::float8 AS seconds FROM backups WHERE id = $1`,
      [backupId],
    );
    return (row?.seconds as number | null | undefined) ?? null;
  }

  /** Anomalies of successful backups, counted by database and kind (through the partial index of anomalous rows). */
  anomaliesForMetrics(): Promise<AnomalyAggregate[]> {
    return this.backups.query(`
    SELECT a.database_id::text AS "databaseId", d.name AS "databaseName", d.engine, a.kind, a.count
    FROM (
      SELECT b.database_id, anomaly ->> 'kind' AS kind, count(DISTINCT b.id)::float8 AS count
      FROM backups b CROSS JOIN jsonb_array_elements(b.anomalies) AS anomaly
      WHERE b.anomalies <> '[]'::jsonb AND b.status = 'success'
      GROUP BY b.database_id, anomaly ->> 'kind'
    ) a JOIN databases d ON d.id = a.database_id
    ORDER BY a.database_id, a.kind`);
  }

  async recordVerification(id: string, failure: string | null): Promise<void> {
    await this.backups.update(
      { id },
      { verifiedAt: () => 'now()', verificationStatus: failure ? 'failed' : 'passed', verificationError: failure },
    );
  }

  /** Whether the backup is running under this attempt (the writer of a partial file is still at work). */
  async isAttemptRunning(id: string, attempt: number): Promise<boolean> {
    const rows: unknown[] = await this.backups.query(
      "SELECT 1 FROM backups WHERE id = $1 AND status = 'running' AND attempt = $2",
      [id, attempt],
    );
    return rows.length > 0;
  }

  /** Queued or running backups requested more than `seconds` ago, oldest id first (the reconciler's). */
  async unfinishedIdsOlderThan(seconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.backups.query(
      `SELECT id::text AS id FROM backups
       WHERE status IN ('queued', 'running') AND requested_at < now() - make_interval(secs => $1) ORDER BY id`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }

  /**
   * One pass over the backups, grouped by database and status before the small join with the registrations.
   * Durations stay intervals until the sum (epoch arithmetic on every row, which is numeric, costs about three times
   * as much); on the benchmark the whole query costs about 2-3 times a bare `GROUP BY` of the table
   * (bench/results/metrics-scrape.md).
   */
  aggregateForMetrics(durationBuckets: readonly number[]): Promise<BackupAggregate[]> {
    const bucketColumns = durationBuckets.map((bound) => `count(*) FILTER (WHERE duration <= interval '${Number(bound)} seconds')`).join(', ');
    return this.backups.query(`
    SELECT a.database_id::text AS "databaseId", d.name AS "databaseName", d.engine, d.deleted_at IS NOT NULL AS deleted,
           a.status, a.count, a.bytes, a.last_finished_at AS "lastFinishedAt", a.duration_count AS "durationCount",
           a.duration_sum AS "durationSum", a.duration_buckets AS "durationBuckets", a.warned
    FROM (
      SELECT database_id, status, count(*)::float8 AS count, coalesce(sum(size_bytes), 0)::float8 AS bytes,
             date_part('epoch', max(finished_at)) AS last_finished_at,
             count(duration)::float8 AS duration_count, coalesce(date_part('epoch', sum(duration)), 0) AS duration_sum,
             ARRAY[${bucketColumns}]::float8[] AS duration_buckets,
             count(*) FILTER (WHERE has_warnings)::float8 AS warned
      FROM (SELECT database_id, status, size_bytes, finished_at, finished_at - started_at AS duration,
                   warnings <> '[]'::jsonb AS has_warnings FROM backups) b
      GROUP BY database_id, status
    ) a JOIN databases d ON d.id = a.database_id
    ORDER BY a.database_id, a.status`);
  }

  /**
   * Runs `work` on the backup's row locked FOR UPDATE, in one transaction: a worker cannot claim it meanwhile and
   * two deleters run one after the other. `work` gets null when there is no such backup.
   */
  lockForDeletion<T>(id: string, work: (locked: LockedBackup | null) => Promise<T>): Promise<T> {
    return this.backups.manager.transaction(async (tx) => {
      const backup = await tx.findOne(BackupEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!backup) return work(null);
      return work({
        backup,
        // A deletion guard: restores reference the backup, so its deletion reads them here, in the same transaction.
        isBeingRestored: async () => {
          const [restoring] = await tx.query("SELECT 1 FROM restores WHERE backup_id = $1 AND status IN ('queued', 'running') LIMIT 1", [id]);
          return restoring !== undefined;
        },
        recordError: async (message) => {
          await tx.update(BackupEntity, { id }, { error: message });
        },
        delete: async () => {
          await tx.delete(BackupEntity, { id });
        },
      });
    });
  }
}
