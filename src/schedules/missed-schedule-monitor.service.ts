import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../core/config/app-config.js';
import { PeriodicTask } from '../core/process/periodic-task.js';
import { DatabasesService } from '../databases/databases.service.js';
import { scheduleState } from './missed-schedule.js';
import { ScheduleMissedNotifier } from './schedule-missed.notifier.js';
import { ScheduleEntity } from './schedule.entity.js';
import { SchedulesRepository } from './schedules.repository.js';
import { SchedulesService } from './schedules.service.js';

/**
 * Every SCHEDULE_RECONCILE_INTERVAL_SECONDS, finds enabled schedules that became missed and reports each miss once:
 * `missed_since` is set by a conditional UPDATE, so of all the workers only the one that set it notifies. It is
 * cleared when a backup succeeds again (or the schedule changes), so the next miss is reported again.
 */
@Injectable()
export class MissedScheduleMonitor extends PeriodicTask {
  private readonly logger = new Logger(MissedScheduleMonitor.name);
  // The first check waits one interval: a worker that has just started may still be catching up on ticks.
  protected override readonly runAtStart = false;

  constructor(
    @InjectRepository(ScheduleEntity) private readonly schedules: Repository<ScheduleEntity>,
    private readonly databases: DatabasesService,
    private readonly schedulesRepository: SchedulesRepository,
    private readonly schedulesService: SchedulesService,
    private readonly notifier: ScheduleMissedNotifier,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected intervalMs(): number {
    return this.config.scheduleReconcileIntervalMs;
  }

  protected tick(): Promise<unknown> {
    return this.check();
  }

  /** Returns the ids of the schedules this call reported as newly missed. */
  async check(now = new Date()): Promise<string[]> {
    const reported: string[] = [];
    try {
      for (const database of await this.databases.list()) {
        const schedules = await this.schedules.findBy({ databaseId: database.id, enabled: true });
        if (!schedules.length) continue;
        const lastSuccessAt = { backup: await this.schedulesService.lastSuccessAt(database.id, 'backup'), drill: await this.schedulesService.lastSuccessAt(database.id, 'drill') };
        for (const schedule of schedules) {
          const state = scheduleState(schedule, lastSuccessAt[schedule.kind], now, this.config.scheduleMissedGraceMs);
          if (state.missed && (await this.markMissed(schedule))) {
            reported.push(schedule.id);
            await this.notifier.onScheduleMissed(schedule, database, state.expectedRunAt!);
          }
          if (!state.missed && schedule.missedSince) await this.clearMissed(schedule);
        }
      }
    } catch (error) {
      this.logger.warn(`Checking for missed schedules failed: ${(error as Error).message}`);
    }
    return reported;
  }

  private async markMissed(schedule: ScheduleEntity): Promise<boolean> {
    const missedSince = await this.schedulesRepository.markMissed(schedule.id);
    if (missedSince) schedule.missedSince = missedSince;
    return missedSince !== null;
  }

  private async clearMissed(schedule: ScheduleEntity): Promise<void> {
    await this.schedulesRepository.clearMissed(schedule.id);
  }
}
