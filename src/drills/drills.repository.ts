import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { type Claim, type FencedTable, finishedEventKey } from '../core/database/fenced-records.js';
import { fencedTable } from '../core/database/fenced-table.js';
import type { DrillProbe } from './drill-probe.js';
import { DrillEntity, type DrillStatus, type DrillTrigger } from './drill.entity.js';
import type { DrillPhase } from './drill-progress.js';

/** What a new queued drill records. */
export interface NewDrill {
  databaseId: string;
  sandboxId: string;
  trigger: DrillTrigger;
  probe: DrillProbe | null;
  scheduleId?: string;
  scheduledFor?: Date;
}

/** A database's latest successful drill, for /metrics. */
export interface DrillSuccessRow {
  database_id: string;
  database_name: string;
  engine: string;
  finished_at: Date;
  restore_time_seconds: number;
}

/** The SQL of the `drills` table. */
@Injectable()
export class DrillsRepository {
  /** The fenced claim and writes of a worker running a drill. */
  readonly fenced: FencedTable<DrillEntity>;

  constructor(@InjectRepository(DrillEntity) private readonly drills: Repository<DrillEntity>) {
    this.fenced = fencedTable(drills);
  }

  findById(id: string): Promise<DrillEntity | null> {
    return this.drills.findOneBy({ id });
  }

  /** Newest first, at most `limit`, of one database or of all. */
  listNewest(limit: number, databaseId?: string): Promise<DrillEntity[]> {
    return this.drills.find({ where: databaseId ? { databaseId } : {}, order: { requestedAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Inserts a queued drill; a unique violation (the database already has an unfinished one) is the caller's. */
  insertQueued(values: NewDrill): Promise<DrillEntity> {
    return this.drills.save(this.drills.create({ ...values, status: 'queued', requestedAt: new Date() }));
  }

  /**
   * A running drill's phase and bytes read (null, null clears them), fenced like every write of its attempt: false
   * once the row is no longer running under `claim.attempt` (cancelled, or taken over).
   */
  writeProgress(claim: Claim, phase: DrillPhase | null, bytesRead: number | null): Promise<boolean> {
    return this.fenced.writeOwned(claim, { progressPhase: phase, progressBytes: bytesRead === null ? null : String(bytesRead) });
  }

  /**
   * Ends a queued or running drill as failed with `error`; returns the status it had, or null when it had already
   * finished. The row lock orders it against the worker's fenced writes, which it then refuses.
   */
  async cancelUnfinished(id: string, error: string): Promise<'queued' | 'running' | null> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows] = await this.drills.query<[Array<{ previous: 'queued' | 'running' }>, number]>(
      `UPDATE drills d SET status = 'failed', finished_at = now(), error = $2
         FROM (SELECT id, status FROM drills WHERE id = $1 FOR UPDATE) earlier
        WHERE d.id = earlier.id AND earlier.status IN ('queued', 'running')
        RETURNING earlier.status AS previous`,
      [id, error],
    );
    return rows[0]?.previous ?? null;
  }

  /** Wakes API requests waiting on this drill (GET /drills/:id?waitSeconds=). */
  announceFinished(id: string): Promise<void> {
    return this.fenced.announceFinished(finishedEventKey('Drill', id));
  }

  /** Removes a drill that is still queued (its job could not be enqueued). */
  async deleteQueued(id: string): Promise<void> {
    await this.drills.delete({ id, status: 'queued' });
  }

  /** The database's newest finished drill (success or failed). */
  lastFinished(databaseId: string): Promise<DrillEntity | null> {
    return this.drills.findOne({
      where: { databaseId, status: In(['success', 'failed']) },
      order: { finishedAt: 'DESC', id: 'DESC' },
    });
  }

  /** The database's newest successful drill: its restore time is the database's. */
  lastSuccess(databaseId: string): Promise<DrillEntity | null> {
    return this.drills.findOne({ where: { databaseId, status: 'success' }, order: { finishedAt: 'DESC', id: 'DESC' } });
  }

  /** requested_at of the database's newest successful drill (a drill schedule is missed without one since its tick). */
  async lastSuccessAt(databaseId: string): Promise<Date | null> {
    return (await this.lastSuccessRequested(databaseId))?.requestedAt ?? null;
  }

  private lastSuccessRequested(databaseId: string): Promise<DrillEntity | null> {
    return this.drills.findOne({ where: { databaseId, status: 'success' }, order: { requestedAt: 'DESC', id: 'DESC' }, select: { id: true, requestedAt: true } });
  }

  /** Status and request time of the given drills (the scratch sweeper matches leftovers by name). */
  async statusesOf(ids: string[]): Promise<Map<string, { status: DrillStatus; requestedAt: Date; attempt: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.drills.find({ where: { id: In(ids) }, select: { id: true, status: true, requestedAt: true, attempt: true } });
    return new Map(rows.map((row) => [row.id, { status: row.status, requestedAt: row.requestedAt, attempt: row.attempt }]));
  }

  /** Records that the drill's scratch database is gone (unfenced: a drop is a fact, whoever made it). */
  async markScratchDropped(id: string, name: string): Promise<void> {
    await this.drills.query('UPDATE drills SET scratch_dropped_at = now() WHERE id = $1 AND scratch_database = $2', [id, name]);
  }

  /** Each registered database's newest successful drill, for /metrics. */
  lastSuccessPerDatabase(): Promise<DrillSuccessRow[]> {
    return this.drills.query(`
      SELECT DISTINCT ON (d.database_id) d.database_id::text AS database_id, db.name AS database_name, db.engine,
             d.finished_at, d.restore_time_seconds
      FROM drills d JOIN databases db ON db.id = d.database_id AND db.deleted_at IS NULL
      WHERE d.status = 'success'
      ORDER BY d.database_id, d.finished_at DESC`);
  }

  /** Queued or running drills requested more than `seconds` ago, oldest id first (the reconciler's). */
  async unfinishedIdsOlderThan(seconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.drills.query(
      `SELECT id::text AS id FROM drills
       WHERE status IN ('queued', 'running') AND requested_at < now() - make_interval(secs => $1) ORDER BY id`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }
}
