import { Module } from '@nestjs/common';
import { WorkerMetricsServer } from './worker-metrics-server.js';
import { WorkerMetrics } from './worker-metrics.service.js';

/** Worker side: the process's metrics, observed by processors and runners, served on WORKER_METRICS_PORT. */
@Module({
  providers: [WorkerMetrics, WorkerMetricsServer],
  exports: [WorkerMetrics],
})
export class WorkerMetricsModule {}
