import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import { RETURN_STATUSES } from './return.types.js';

/** A return as the API answers it (`toReturnView`), for the OpenAPI documents. */
export const ReturnView = z
  .object({
    id: z.string(),
    return_number: z.number().int(),
    seller_id: z.string(),
    order_id: z.string().meta({ description: 'The OMS order id' }),
    hub_code: z.string(),
    parts: z
      .array(z.object({ fulfilment_id: z.string(), hub_code: z.string(), sku: z.string(), quantity: z.number().int() }).strict())
      .meta({ description: 'On a split order: the part (and hub) that shipped each returned unit, where it is restocked; empty on single-hub orders' }),
    status: z.enum(RETURN_STATUSES),
    items: z.array(z.object({ seller_sku_code: z.string(), quantity: z.number().int(), reason: z.string() }).strict()),
    history: z.array(z.object({ at: Timestamp, from: z.enum(RETURN_STATUSES).nullable(), to: z.enum(RETURN_STATUSES), note: z.string().nullable() }).strict()),
    received_at: Timestamp.nullable(),
    refund_amount: z.number().nullable().meta({ description: "Refunded with this amount (applied to the order's payment, never more than was paid)" }),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: z.number().int(),
  })
  .strict()
  .meta({ id: 'Return' });
