import { z } from 'zod';
import { ErrorBody, PageMeta, Timestamp } from '../../router/openapi/schemas.js';
import { BULK_ACTIONS } from './bulk.types.js';

/** Bulk jobs as the API answers them (`jobView`, `itemView`), for the OpenAPI documents. */

const jobFields = {
  id: z.string(),
  seller_id: z.string(),
  action: z.enum([...BULK_ACTIONS, 'create']),
  source: z.enum(['json', 'csv', 'json_file', 'ids']),
  reason: z.string().nullable(),
  hub_code: z.string().nullable(),
  status: z.enum(['queued', 'running', 'completed']),
  total: z.number().int(),
  done: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
};

/** The 202 answer: the job as it was queued, `job_id` repeating `id` (API.md). */
export const BulkJobAcceptedView = z
  .object({ job_id: z.string(), ...jobFields })
  .strict()
  .meta({ id: 'BulkJobAccepted' });

const BulkItemView = z
  .object({
    index: z.number().int(),
    // A create item echoes whatever its body had as order_id: an invalid entry may have had a non-string.
    order_id: z.unknown().meta({
      description: "The order id the item names (create: the body's order_id as sent, null if it had none)",
    }),
    status: z.enum(['pending', 'succeeded', 'failed']),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: ErrorBody.shape.error.omit({ request_id: true }).nullable(),
  })
  .strict()
  .meta({ id: 'BulkItem' });

export const BulkJobView = z
  .object({ ...jobFields, items: z.array(BulkItemView) })
  .strict()
  .meta({ id: 'BulkJob' });

export const BulkJobPage = z.object({ data: BulkJobView, meta: PageMeta }).strict();
