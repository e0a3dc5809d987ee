import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** Stock rows and transfers as the API answers them (`toStockView`, `toTransferView`), for the OpenAPI documents. */

export const StockRowView = z
  .object({
    hub_code: z.string(),
    sku: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int().meta({ description: 'Held by live orders' }),
    available: z.number().int().meta({ description: 'on_hand - reserved, never negative' }),
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'StockRow' });

const transferFields = {
  transfer_id: z.string(),
  from_hub_code: z.string(),
  to_hub_code: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  state: z.enum(['pending', 'done', 'failed']),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const StockTransferView = z.object(transferFields).strict().meta({ id: 'StockTransfer' });

/** A transfer made now, with both stock rows as they are after it. */
export const StockTransferResultView = z
  .object({ ...transferFields, from: StockRowView, to: StockRowView })
  .strict()
  .meta({ id: 'StockTransferResult' });
