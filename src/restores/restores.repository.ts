import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { FencedTable } from '../core/database/fenced-records.js';
import { fencedTable } from '../core/database/fenced-table.js';
import { RestoreEntity } from './restore.entity.js';

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

/** The SQL of the `restores` table. */
@Injectable()
export class RestoresRepository {
  /** The fenced claim and writes of a worker running a restore. */
  readonly fenced: FencedTable<RestoreEntity>;

  constructor(@InjectRepository(RestoreEntity) private readonly restores: Repository<RestoreEntity>) {
    this.fenced = fencedTable(restores);
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
