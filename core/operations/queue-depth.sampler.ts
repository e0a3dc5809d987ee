import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
import type { DeadLetterService } from './dead-letter.service.js';

/**
 * Samples every queue's and DLQ's depth into the Prometheus gauges every `intervalMs`, so a
 * scrape of /metrics costs no SQS call (and many scrapers cost no more than one). A failed sample
 * leaves the last values and the sampled-at timestamp unchanged; the task logs it and tries again.
 */
export function queueDepthSampler(deadLetters: DeadLetterService, metrics: Metrics, intervalMs: number, logger: Logger): PeriodicTask {
  const task = periodicTask(
    'queue-depth-sampler',
    intervalMs,
    async () => {
      for (const d of await deadLetters.depths()) {
        metrics.queueDepth.set({ queue: d.queue, state: 'visible' }, d.visible);
        metrics.queueDepth.set({ queue: d.queue, state: 'in_flight' }, d.in_flight);
        metrics.queueDepth.set({ queue: d.queue, state: 'delayed' }, d.delayed);
        metrics.dlqDepth.set({ queue: d.queue }, d.dlq_depth);
      }
      metrics.queueDepthSampledAt.set(Date.now() / 1000);
    },
    logger,
  );
  return {
    ...task,
    start() {
      void task.runOnce(); // gauges from the start, not one interval later
      task.start();
    },
  };
}
