import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ALL_QUEUES, QueueNames } from '../core/queue/job-registry.js';
import { withTimeout } from '../core/queue/with-timeout.js';
import { BackupsRepository } from '../backups/backups.repository.js';
import { RestoresRepository } from '../restores/restores.repository.js';
import { SchedulesRepository } from '../schedules/schedules.repository.js';
import { DrillsRepository } from '../drills/drills.repository.js';
import { drillFamilies } from './drill-metrics.js';
import { anomalyFamily, DURATION_BUCKETS, recordFamilies } from './backup-metrics.js';
import { registryOf } from './metric-families.js';
import { scheduleFamilies } from './schedule-metrics.js';
import { QUEUE_STATES, queueFamilies, type QueueSnapshot } from './queue-metrics.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../core/queue/queue.constants.js';


/**
 * The queues whose depth /metrics shows. The drills queue's is left out so that the dbbackup_queue_* series stay
 * those that dashboards and alerts already select on; drills have their own families (dbbackup_drill_*).
 */
const QUEUES_IN_METRICS = ALL_QUEUES.filter((name) => name !== QueueNames.drills);

/** Renders /metrics: records aggregated in PostgreSQL and queue depths read from Redis at scrape time. */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  /** The API process's own metrics (CPU, memory, event loop). */
  private readonly processRegistry = new Registry();

  constructor(
    private readonly backups: BackupsRepository,
    private readonly restores: RestoresRepository,
    private readonly schedules: SchedulesRepository,
    private readonly drills: DrillsRepository,
    private readonly moduleRef: ModuleRef,
  ) {
    collectDefaultMetrics({ register: this.processRegistry });
  }

  /** The scrape being computed: concurrent scrapes (an HA pair of Prometheus servers) share it. */
  private inFlight?: Promise<string>;

  render(): Promise<string> {
    this.inFlight ??= this.compute().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async compute(): Promise<string> {
    const [backups, anomalies, restores, schedules, drillSchedules, drills, queues] = await Promise.all([
      this.backups.aggregateForMetrics(DURATION_BUCKETS),
      this.backups.anomaliesForMetrics(),
      this.restores.countsForMetrics(),
      this.schedules.aggregateForMetrics('backup'),
      this.schedules.aggregateForMetrics('drill'),
      this.drills.lastSuccessPerDatabase(),
      this.queueSnapshots(),
    ]);
    const records = registryOf([
      ...recordFamilies(backups, restores),
      anomalyFamily(anomalies),
      ...scheduleFamilies(schedules, drillSchedules),
      ...drillFamilies(drills),
      ...queueFamilies(queues ?? [], queues !== null),
    ]);
    return Registry.merge([records, this.processRegistry]).metrics();
  }

  /** Null when Redis does not answer: the PostgreSQL metrics are still worth serving. */
  private async queueSnapshots(): Promise<QueueSnapshot[] | null> {
    try {
      return await withTimeout(Promise.all(QUEUES_IN_METRICS.map((name) => this.queueSnapshot(name))), REDIS_COMMAND_TIMEOUT_MS, 'Reading queue depths');
    } catch (error) {
      this.logger.warn(`Queue metrics unavailable: ${(error as Error).message}`);
      return null;
    }
  }

  private async queueSnapshot(name: string): Promise<QueueSnapshot> {
    const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
    const [counts, workers] = await Promise.all([queue.getJobCounts(...QUEUE_STATES), queue.getWorkersCount()]);
    return { queue: name, counts, workers };
  }
}
