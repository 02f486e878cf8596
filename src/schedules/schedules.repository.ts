import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ScheduleEntity, type ScheduleKind } from './schedule.entity.js';

/** A schedule that should have a BullMQ job scheduler. */
export interface WantedScheduler {
  id: string;
  cron: string;
  timezone: string;
}

/** One row per enabled schedule of a registered database. */
export interface ScheduleAggregate {
  scheduleId: string;
  databaseId: string;
  databaseName: string;
  missed: boolean;
}

/** The raw SQL of the `schedules` table (the rest goes through the TypeORM repository). */
@Injectable()
export class SchedulesRepository {
  constructor(@InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>) {}

  /** Enabled schedules of one kind of registered databases and whether each is missed, for /metrics. */
  aggregateForMetrics(kind: ScheduleKind): Promise<ScheduleAggregate[]> {
    return this.schedules.query(
      `SELECT s.id::text AS "scheduleId", d.id::text AS "databaseId", d.name AS "databaseName", s.missed_since IS NOT NULL AS missed
       FROM schedules s JOIN databases d ON d.id = s.database_id
       WHERE s.enabled AND s.kind = $1 AND d.deleted_at IS NULL
       ORDER BY s.id`,
      [kind],
    );
  }

  /** Enabled schedules of registered (not deleted) databases, by id. */
  wantedSchedulers(): Promise<WantedScheduler[]> {
    return this.schedules.query(
      `SELECT s.id::text AS id, s.cron, s.timezone FROM schedules s JOIN databases d ON d.id = s.database_id
       WHERE s.enabled AND d.deleted_at IS NULL ORDER BY s.id`,
    );
  }

  /**
   * Sets missed_since if it is not set yet, and says whether this call set it (then returns the time), so that of
   * all workers exactly one reports the miss. Raw SQL: updated_at must not move, it starts the missed-backup clock.
   */
  async markMissed(id: string): Promise<Date | null> {
    const [rows] = await this.schedules.query(
      'UPDATE schedules SET missed_since = now() WHERE id = $1 AND missed_since IS NULL RETURNING missed_since',
      [id],
    );
    return (rows as Array<{ missed_since: Date }>)[0]?.missed_since ?? null;
  }

  async clearMissed(id: string): Promise<void> {
    await this.schedules.query('UPDATE schedules SET missed_since = NULL WHERE id = $1', [id]);
  }
}
