import { z } from 'zod';
import type { BulkJobRunner } from '../../bulk/bulk-job.runner.js';
import { sellerScope } from '../../domain/tenant-scope.js';
import type { MessageHandler } from '../runtime/listener.js';

export const BulkActionMessage = z.object({
  event: z.literal('bulk_action'),
  tenant_id: z.string().min(1),
  seller_id: z.string().min(1),
  job_id: z.string().min(1),
});

/**
 * oms-bulk-action-queue: runs one bulk job to its end. A malformed message or a job that is not
 * the named seller's dead-letters; an interrupted run leaves the message for redelivery, and the
 * next run continues from the items' own checkpoints. The runtime extends the message's
 * visibility while a long job runs.
 */
export function bulkActionHandler(runner: BulkJobRunner): MessageHandler {
  return {
    kind: 'single',
    async handle(message, ctx) {
      const msg = BulkActionMessage.parse(message.body);
      const job = await runner.run(sellerScope(msg.tenant_id, msg.seller_id), msg.job_id);
      ctx.logger.info({ job_id: job.id, total: job.total, succeeded: job.succeeded, failed: job.failed }, 'bulk job finished');
    },
  };
}
