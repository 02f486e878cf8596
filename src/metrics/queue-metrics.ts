import type { MetricFamily, Sample } from './metric-families.js';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

export interface QueueSnapshot {
  queue: string;
  counts: Record<string, number>;
  workers: number;
}

/** The Redis side of /metrics; `reachable` false when Redis did not answer in time. */
export function queueFamilies(queues: QueueSnapshot[], reachable: boolean): MetricFamily[] {
  const jobs: Sample[] = queues.flatMap(({ queue, counts }) =>
    QUEUE_STATES.map((state) => ({ labels: { queue, state }, value: counts[state] ?? 0 })),
  );
  return [
    { name: 'dbbackup_queue_jobs', help: 'Jobs in each BullMQ queue, by state.', type: 'gauge', values: jobs },
    {
      name: 'dbbackup_queue_workers',
      help: 'Worker connections consuming each queue, as Redis sees them.',
      type: 'gauge',
      values: queues.map(({ queue, workers }) => ({ labels: { queue }, value: workers })),
    },
    { name: 'dbbackup_redis_up', help: 'Whether Redis answered this scrape (1) or not (0).', type: 'gauge', values: [{ labels: {}, value: reachable ? 1 : 0 }] },
  ];
}
