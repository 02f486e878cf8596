import { Injectable } from '@nestjs/common';
import type { JobSchedulerJson, Queue } from 'bullmq';
import { ENQUEUE_TIMEOUT_MS, JobQueues } from '../core/queue/job-queues.js';
import { Jobs, type ScheduleJobData, SchedulerIds } from '../core/queue/job-registry.js';
import { withTimeout } from '../core/queue/with-timeout.js';
import type { ScheduleEntity } from './schedule.entity.js';

export const SCHEDULER_ID_PREFIX = SchedulerIds.schedule('');

/** The BullMQ job schedulers that turn schedules into one tick job each, whichever replica set them up. */
@Injectable()
export class ScheduleSchedulers {
  private readonly queue: Queue<ScheduleJobData>;

  constructor(private readonly queues: JobQueues) {
    this.queue = queues.queueOf(Jobs.scheduleTick);
  }

  /** Creates, changes or removes the schedule's job scheduler to match the row. */
  async apply(schedule: Pick<ScheduleEntity, 'id' | 'cron' | 'timezone' | 'enabled'>): Promise<void> {
    if (!schedule.enabled) return this.remove(schedule.id);
    await withTimeout(
      this.queue.upsertJobScheduler(
        SchedulerIds.schedule(schedule.id),
        { pattern: schedule.cron, tz: schedule.timezone },
        { name: Jobs.scheduleTick.name, data: { scheduleId: schedule.id }, opts: this.queues.optionsOf(Jobs.scheduleTick, { scheduleId: schedule.id }) },
      ),
      ENQUEUE_TIMEOUT_MS,
      `Upserting the job scheduler of schedule ${schedule.id}`,
    );
  }

  async remove(scheduleId: string): Promise<void> {
    await withTimeout(
      this.queue.removeJobScheduler(SchedulerIds.schedule(scheduleId)),
      ENQUEUE_TIMEOUT_MS,
      `Removing the job scheduler of schedule ${scheduleId}`,
    );
  }

  /** Every schedule's job scheduler in Redis, by schedule id. */
  async listBySchedule(): Promise<Map<string, JobSchedulerJson<ScheduleJobData>>> {
    const all = await this.queue.getJobSchedulers(0, -1);
    const bySchedule = new Map<string, JobSchedulerJson<ScheduleJobData>>();
    for (const scheduler of all) {
      if (scheduler.key.startsWith(SCHEDULER_ID_PREFIX)) bySchedule.set(scheduler.key.slice(SCHEDULER_ID_PREFIX.length), scheduler);
    }
    return bySchedule;
  }
}
