import { z } from 'zod';
import { SalesChannelSchema } from '../order/order.schemas.js';
import { PAYMENT_EVENT_KINDS, type PaymentEventInput } from './payment-plan.js';

const optionalText = (max: number) => z.string().trim().min(1).max(max).nullish().transform((v) => v ?? null);

/** One payment event, as the API and the sales channel's `payment_update` message carry it. */
export const PaymentEventBody = z
  .object({
    event_id: z.string().trim().regex(/^[A-Za-z0-9_.:#/-]{1,200}$/, 'letters, digits and _ . : # / - only'),
    type: z.enum(PAYMENT_EVENT_KINDS),
    amount: z.number().positive().max(100_000_000).nullish().transform((v) => v ?? null),
    currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code').nullish().transform((v) => v ?? null),
    reference: optionalText(200).meta({ description: "The provider's transaction or refund id" }),
    reason: optionalText(500).meta({ description: 'Why a payment failed or was refunded' }),
  })
  .strict()
  .refine((b) => b.type !== 'refunded' || b.amount !== null, { path: ['amount'], message: 'a refund names its amount' })
  .meta({ id: 'PaymentEventInput' });

/**
 * oms-create-order-queue `payment_update`: the order named by its sales channel reference (the
 * channel's door) or by its OMS id.
 */
export const PaymentUpdateMessage = z
  .object({
    event: z.literal('payment_update'),
    tenant_id: z.string().min(1),
    seller_id: z.string().min(1),
    sales_channel: SalesChannelSchema.optional(),
    order_id: z.string().trim().min(1).max(200).optional(),
    payment_event: PaymentEventBody,
  })
  .refine((m) => m.sales_channel || m.order_id, { path: ['sales_channel'], message: 'name the order by sales_channel or order_id' });

export function toPaymentEventInput(body: z.output<typeof PaymentEventBody>): PaymentEventInput {
  return { event_id: body.event_id, type: body.type, amount: body.amount, currency: body.currency, reference: body.reference, reason: body.reason };
}
