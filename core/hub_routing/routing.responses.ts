import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order.js';
import { RoutingDecisionFields } from '../order/order.responses.js';

/** The routing dry run as the API answers it (`HubRoutingService.preview`), for the OpenAPI documents. */
export const RoutingPreviewView = z
  .object({ order_id: z.string(), status: z.enum(ORDER_STATUSES), dry_run: z.literal(true), ...RoutingDecisionFields })
  .strict()
  .meta({ id: 'RoutingPreview' });

/** POST …/orders/approve-on-hold: the re-evaluation is queued (approve-on-hold workers run it). */
export const HoldReevaluationView = z
  .object({
    queued: z.boolean(),
    order_id: z.string().nullable().meta({ description: 'The one order re-evaluated; null: every held order of the seller' }),
  })
  .strict()
  .meta({ id: 'HoldReevaluation' });
