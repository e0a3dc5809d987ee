import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { toOrderView } from '../domain/order.js';
import { PaymentEventBody, toPaymentEventInput } from './payment.schemas.js';
import { PaymentResultView } from './payment.responses.js';
import type { PaymentResult, PaymentService } from './payment.service.js';

const OrderParams = z.object({ seller_id: z.string().min(1), order_id: z.string().trim().min(1).max(200) });

/** Payment events by API, on the public and the internal seller groups (a payment service uses the latter). */
export function registerPaymentRoutes(groups: { seller: SellerRoutes }, payments: PaymentService): void {
  groups.seller.add(
    {
      method: 'post',
      path: '/orders/:order_id/payments',
      operationId: 'recordPaymentEvent',
      response: dataOf(PaymentResultView),
      summary:
        'Record a payment event (authorized, paid, failed, refunded, cod_collected). Idempotent by event_id; a held unpaid order is re-evaluated once paid; ' +
        'a failure after approval releases the stock and cancels or holds the order (tenant setting payment.on_failure)',
      tag: 'payments',
      scope: 'orders:write',
      params: OrderParams,
      body: PaymentEventBody,
      example: { event_id: 'pay_evt_123', type: 'paid', amount: 21.0, currency: 'SAR', reference: 'ch_3PabcXYZ' },
      errors: {
        409: 'invalid_transition (the payment or order cannot take this event), refund_exceeds_paid, payment_event_conflict (event_id used by another event), order_in_progress',
      },
    },
    async ({ params, body, caller }) => {
      const source = caller.actor === 'internal' ? 'internal' : 'api';
      const result = await payments.record(caller.scope!, { id: params.order_id }, toPaymentEventInput(body), caller.actor, source);
      return { body: { data: view(result) } };
    },
  );
}

function view(result: PaymentResult): Record<string, unknown> {
  return {
    duplicate: result.duplicate,
    payment_event: { ...result.record, at: new Date(result.record.at).toISOString() },
    order: toOrderView(result.order),
  };
}
