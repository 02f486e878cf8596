import { Injectable, Logger } from '@nestjs/common';
import type { DatabaseEntity } from '../databases/database.entity.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { ScheduleEntity } from './schedule.entity.js';
import { SchedulesService } from './schedules.service.js';

/**
 * Told once per miss (the worker's MissedScheduleMonitor records `missed_since` first, so among all workers only
 * one calls it): logs it and publishes `schedule.missed` (or `drill.missed` for a drill schedule) to the webhooks.
 */
@Injectable()
export class ScheduleMissedNotifier {
  private readonly logger = new Logger(ScheduleMissedNotifier.name);

  constructor(
    private readonly schedules: SchedulesService,
    private readonly notifications: NotificationsService,
  ) {}

  async onScheduleMissed(schedule: ScheduleEntity, database: DatabaseEntity, expectedRunAt: Date): Promise<void> {
    if (schedule.kind === 'drill') return this.onDrillMissed(schedule, database, expectedRunAt);
    const error = `no successful backup since ${expectedRunAt.toISOString()}`;
    this.logger.warn(`Schedule ${schedule.id} of database ${database.id} (${database.name}) missed: ${error}`);
    await this.notifications.publish('schedule.missed', {
      database: { id: String(database.id), name: database.name },
      schedule: await this.schedules.describeOne(schedule),
      error,
    });
  }

  /** A drill schedule's miss: `drill.missed` (opt-in, like every drill event). */
  private async onDrillMissed(schedule: ScheduleEntity, database: DatabaseEntity, expectedRunAt: Date): Promise<void> {
    const error = `no successful drill since ${expectedRunAt.toISOString()}`;
    this.logger.warn(`Drill schedule ${schedule.id} of database ${database.id} (${database.name}) missed: ${error}`);
    const [described] = await this.schedules.describeDrillSchedules(schedule.databaseId, [schedule]);
    await this.notifications.publish('drill.missed', { database: { id: String(database.id), name: database.name }, schedule: described!, error });
  }
}
