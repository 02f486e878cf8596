import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { WorkerMetrics } from '../core/metrics/worker-metrics.service.js';
import { WEBHOOK_QUEUE, WEBHOOK_WORKER_OPTIONS, type WebhookJobData, WebhookJobs } from '../core/queue/queue.constants.js';
import { WebhookSender } from './webhook-sender.service.js';

/** Consumes the webhooks queue: one job per delivery, retried by BullMQ with exponential backoff. */
@Processor(WEBHOOK_QUEUE, WEBHOOK_WORKER_OPTIONS)
export class WebhookDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);

  constructor(
    private readonly sender: WebhookSender,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
  }

  async process(job: Job<WebhookJobData>): Promise<void> {
    if (job.name !== WebhookJobs.deliver) {
      this.logger.warn(`Ignoring unknown job ${job.name}`);
      return;
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.metrics.track(job, { deliveryId: job.data.deliveryId }, () => this.sender.deliver(job.data.deliveryId, finalAttempt));
  }
}
