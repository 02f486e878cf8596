import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { type DrillJobData, Jobs } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { DrillsRepository } from './drills.repository.js';

/** Puts back the jobs of drills that Redis lost. */
@Injectable()
export class DrillReconciler extends QueueReconciler<DrillJobData> {
  constructor(drills: DrillsRepository, config: AppConfig, queues: JobQueues) {
    super(config, queues, Jobs.runDrill, (seconds) => drills.unfinishedIdsOlderThan(seconds));
  }
}
