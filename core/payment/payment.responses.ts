import { z } from 'zod';
import { OrderView, PaymentEventView } from '../order/order.responses.js';

/** POST …/orders/{order_id}/payments: the event as applied (or found, on a repeat) and the order after it. */
export const PaymentResultView = z
  .object({
    duplicate: z.boolean().meta({ description: 'The order already had this event_id: nothing changed' }),
    payment_event: PaymentEventView,
    order: OrderView,
  })
  .strict()
  .meta({ id: 'PaymentResult' });
