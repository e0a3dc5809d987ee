import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** An invoice as the API answers it (`toInvoiceView`), for the OpenAPI documents. */
export const InvoiceView = z
  .object({
    id: z.string(),
    seller_id: z.string(),
    order_id: z.string().meta({ description: 'The OMS order id' }),
    seller_order_id: z.string().meta({ description: "The seller's own order reference" }),
    fulfilment_id: z.string().optional().meta({ description: 'The part of a split order this invoice is for (tenant setting invoicing.per = fulfilment); absent on an order\'s one invoice' }),
    number: z.number().int().meta({ description: 'Per-tenant, gapless' }),
    invoice_number: z.string().meta({ example: 'INV-000042' }),
    currency: z.string(),
    tax_rate: z.number(),
    lines: z.array(
      z
        .object({ seller_sku_code: z.string(), quantity: z.number().int(), unit_price: z.number(), net: z.number(), tax: z.number(), total: z.number() })
        .strict(),
    ),
    subtotal: z.number(),
    tax_total: z.number(),
    total: z.number(),
    issued_at: Timestamp,
  })
  .strict()
  .meta({ id: 'Invoice' });
