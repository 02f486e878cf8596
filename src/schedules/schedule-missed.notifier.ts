import { Injectable, Logger } from '@nestjs/common';
import type { DatabaseEntity } from '../databases/database.entity.js';
import type { ScheduleEntity } from './schedule.entity.js';

/**
 * Told once per miss (the worker's MissedScheduleMonitor records `missed_since` first, so among all workers only
 * one calls it). This is the hook for webhooks (`schedule.missed`) and metrics.
 */
@Injectable()
export class ScheduleMissedNotifier {
  private readonly logger = new Logger(ScheduleMissedNotifier.name);

  async onScheduleMissed(schedule: ScheduleEntity, database: DatabaseEntity, expectedRunAt: Date): Promise<void> {
    this.logger.warn(
      `Schedule ${schedule.id} of database ${database.id} (${database.name}) missed: no successful backup since ${expectedRunAt.toISOString()}`,
    );
  }
}
