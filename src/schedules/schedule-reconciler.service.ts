import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { PeriodicTask } from '../core/process/periodic-task.js';
import { ScheduleSchedulers } from './schedule-schedulers.js';
import { SchedulesRepository } from './schedules.repository.js';

/**
 * PostgreSQL is the record, Redis may lose its data: at worker start and every SCHEDULE_RECONCILE_INTERVAL_SECONDS,
 * every enabled schedule of a registered database gets its BullMQ job scheduler (re-created if missing or
 * different), and job schedulers of schedules that are gone or disabled are removed. Upserts are idempotent
 * (one scheduler id per schedule, one job id per tick), so any number of workers can do it at once.
 */
@Injectable()
export class ScheduleReconciler extends PeriodicTask {
  private readonly logger = new Logger(ScheduleReconciler.name);

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly schedulers: ScheduleSchedulers,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.scheduleReconcileIntervalMs;
  }

  protected tick(): Promise<unknown> {
    return this.reconcile();
  }

  /** Returns how many job schedulers were created or changed, and how many removed. */
  async reconcile(): Promise<{ upserted: string[]; removed: string[] }> {
    const upserted: string[] = [];
    const removed: string[] = [];
    try {
      // Redis first: a scheduler an API process has just created belongs to a row that is already committed.
      const existing = await this.schedulers.listBySchedule();
      for (const schedule of await this.schedules.wantedSchedulers()) {
        const current = existing.get(schedule.id);
        existing.delete(schedule.id);
        if (current?.pattern === schedule.cron && (current.tz ?? 'UTC') === schedule.timezone) continue;
        await this.schedulers.apply({ ...schedule, enabled: true });
        upserted.push(schedule.id);
      }
      for (const scheduleId of existing.keys()) {
        await this.schedulers.remove(scheduleId);
        removed.push(scheduleId);
      }
      if (upserted.length || removed.length) {
        this.logger.warn(`Job schedulers repaired from PostgreSQL: upserted [${upserted.join(', ')}], removed [${removed.join(', ')}]`);
      }
    } catch (error) {
      this.logger.warn(`Reconciling schedules failed: ${(error as Error).message}`);
    }
    return { upserted, removed };
  }
}
