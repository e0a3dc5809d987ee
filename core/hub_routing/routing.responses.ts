import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order.js';
import { RoutingDecisionFields } from '../order/order.responses.js';

/** The routing dry run as the API answers it (`HubRoutingService.preview`), for the OpenAPI documents. */
export const RoutingPreviewView = z
  .object({ order_id: z.string(), status: z.enum(ORDER_STATUSES), dry_run: z.literal(true), ...RoutingDecisionFields })
  .strict()
  .meta({ id: 'RoutingPreview' });
