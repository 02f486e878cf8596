import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { JobQueues } from '../core/queue/job-queues.js';
import { Jobs, type RestoreJobData } from '../core/queue/job-registry.js';
import { QueueReconciler } from '../core/queue/queue-reconciler.js';
import { RestoresRepository } from './restores.repository.js';

/** Puts back the jobs of restores that Redis lost. */
@Injectable()
export class RestoreReconciler extends QueueReconciler<RestoreJobData> {
  constructor(restores: RestoresRepository, config: AppConfig, queues: JobQueues) {
    super(config, queues, Jobs.runRestore, (seconds) => restores.unfinishedIdsOlderThan(seconds));
  }
}
