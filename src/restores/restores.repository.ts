import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Claim, finishedEventKey, type FencedTable } from '../core/database/fenced-records.js';
import type { RestoreOptions, TableSelection } from '../engines/engine.js';
import { fencedTable } from '../core/database/fenced-table.js';
import { RestoreEntity } from './restore.entity.js';
import type { RestorePhase } from './restore-progress.js';

/** A database a restore set aside, whose time is up. */
export interface ExpiredAside {
  id: string;
  aside_database: string;
  target_database_id: string;
}

export interface RestoreAggregate {
  engine: string;
  status: string;
  count: number;
}

/** What a new queued restore records. */
export interface NewRestore {
  backupId: string;
  sourceDatabaseId: string;
  targetDatabaseId: string;
  /** The physical target: a unique index allows one unfinished restore per key. */
  targetKey: string;
  options: RestoreOptions;
  tables: TableSelection | null;
}

/** The SQL of the `restores` table. */
@Injectable()
export class RestoresRepository {
  /** The fenced claim and writes of a worker running a restore. */
  readonly fenced: FencedTable<RestoreEntity>;

  constructor(@InjectRepository(RestoreEntity) private readonly restores: Repository<RestoreEntity>) {
    this.fenced = fencedTable(restores);
  }

  findById(id: string): Promise<RestoreEntity | null> {
    return this.restores.findOneBy({ id });
  }

  /** Throws TypeORM's EntityNotFoundError when there is no such restore. */
  findByIdOrFail(id: string): Promise<RestoreEntity> {
    return this.restores.findOneByOrFail({ id });
  }

  /** Newest first, at most `limit`. */
  listNewest(limit: number): Promise<RestoreEntity[]> {
    return this.restores.find({ order: { requestedAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Inserts a queued restore; a unique violation (the target already has an unfinished one) is the caller's. */
  insertQueued(values: NewRestore): Promise<RestoreEntity> {
    return this.restores.save(this.restores.create({ ...values, status: 'queued', requestedAt: new Date() }));
  }

  /**
   * A running restore's phase and bytes read (null, null clears them), fenced like every write of its attempt:
   * false once the row is no longer running under `claim.attempt` (cancelled, or taken over).
   */
  writeProgress(claim: Claim, phase: RestorePhase | null, bytesRead: number | null): Promise<boolean> {
    return this.fenced.writeOwned(claim, { progressPhase: phase, progressBytes: bytesRead === null ? null : String(bytesRead) });
  }

  /**
   * Ends a queued or running restore as failed with `error`, unless its worker has started switching its copy in;
   * returns the status it had, or null when nothing was cancelled. The row lock orders it against the worker's
   * fenced writes: whichever of the cancel and the 'switching' write comes second finds the other's.
   */
  async cancelUnfinished(id: string, error: string): Promise<'queued' | 'running' | null> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = await this.restores.query<[Array<{ previous: 'queued' | 'running' }>, number]>(
      `UPDATE restores r SET status = 'failed', finished_at = now(), error = $2
         FROM (SELECT id, status FROM restores WHERE id = $1 FOR UPDATE) earlier
        WHERE r.id = earlier.id
          AND (earlier.status = 'queued' OR (earlier.status = 'running' AND r.progress_phase IS DISTINCT FROM 'switching'))
        RETURNING earlier.status AS previous`,
      [id, error],
    );
    return rows[0]?.previous ?? null;
  }

  /** Wakes API requests waiting on this restore (GET /restores/:id?waitSeconds=). */
  announceFinished(id: string): Promise<void> {
    return this.fenced.announceFinished(finishedEventKey('Restore', id));
  }

  /** Removes a restore that is still queued (its job could not be enqueued). */
  async deleteQueued(id: string): Promise<void> {
    await this.restores.delete({ id, status: 'queued' });
  }

  /** Makes the restore's aside database expire now: the next sweep (or a drop job) drops it. */
  async expireAsideNow(id: string): Promise<void> {
    await this.restores.update({ id }, { asideExpiresAt: () => 'now()' } as never);
  }

  /**
   * Claims every expired aside database not yet claimed (aside_dropped_at = now()): of several workers, exactly
   * one gets each.
   */
  async claimExpiredAsides(): Promise<ExpiredAside[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = await this.restores.query<[ExpiredAside[], number]>(
      `UPDATE restores SET aside_dropped_at = now()
        WHERE aside_database IS NOT NULL AND aside_dropped_at IS NULL AND aside_expires_at <= now()
        RETURNING id, aside_database, target_database_id`,
    );
    return rows;
  }

  /** Gives a claimed aside database back to the next sweep (its drop failed). */
  async releaseAside(id: string): Promise<void> {
    await this.restores.query('UPDATE restores SET aside_dropped_at = NULL WHERE id = $1', [id]);
  }

  /** Restores by target engine and status, for /metrics. */
  countsForMetrics(): Promise<RestoreAggregate[]> {
    return this.restores.query(`
    SELECT d.engine, r.status, count(*)::float8 AS count
    FROM restores r JOIN databases d ON d.id = r.target_database_id
    GROUP BY d.engine, r.status ORDER BY d.engine, r.status`);
  }

  /** Queued or running restores requested more than `seconds` ago, oldest id first (the reconciler's). */
  async unfinishedIdsOlderThan(seconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.restores.query(
      `SELECT id::text AS id FROM restores
       WHERE status IN ('queued', 'running') AND requested_at < now() - make_interval(secs => $1) ORDER BY id`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }
}
