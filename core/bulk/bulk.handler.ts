import { z } from 'zod';
import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import type { BulkJobRunner } from './bulk-job.runner.js';

export const BulkActionMessage = z.object({ event: z.literal('bulk_action'), job_id: z.string().min(1) });

/**
 * oms-bulk-action-queue: runs one bulk job to its end. A malformed message or a job that is not
 * the named seller's dead-letters; an interrupted run leaves the message for redelivery, and the
 * next run continues from the items' own checkpoints. The runtime extends the message's
 * visibility while a long job runs.
 */
export function registerBulkHandlers(queues: HandlerGroup, runner: BulkJobRunner): void {
  queues.add('bulkAction', BulkActionMessage, async ({ msg, scope, ctx }) => {
    const job = await runner.run(scope, msg.job_id);
    ctx.logger.info({ job_id: job.id, total: job.total, succeeded: job.succeeded, failed: job.failed }, 'bulk job finished');
  });
}
