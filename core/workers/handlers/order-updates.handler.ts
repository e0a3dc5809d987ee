import { z } from 'zod';
import type { OrderUpdatesService } from '../../order/order-updates.service.js';
import type { MessageHandler } from '../runtime/listener.js';

/** The envelope of API.md's outbound events (core/domain/events.ts). */
const OutboundEventSchema = z.object({
  event_id: z.string().min(1),
  event: z.string().min(1),
  occurred_at: z.string().min(1),
  tenant_id: z.string().min(1),
  seller_id: z.string().min(1),
  order_id: z.string().min(1).nullable(),
  data: z.record(z.string(), z.unknown()),
});

/** oms-order-updates-queue: every outbound event goes to Pusher, customer notifications and the sales channel. */
export function orderUpdatesHandler(updates: OrderUpdatesService): MessageHandler {
  return {
    kind: 'single',
    async handle(message) {
      await updates.handle(OutboundEventSchema.parse(message.body));
    },
  };
}
