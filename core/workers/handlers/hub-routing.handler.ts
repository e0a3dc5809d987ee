import { z } from 'zod';
import { tenantScope } from '../../domain/tenant-scope.js';
import type { HubRoutingService } from '../../hub_routing/hub-routing.service.js';
import type { MessageHandler } from '../runtime/listener.js';

const id = z.string().trim().min(1).max(200);
export const RouteOrderMessage = z.object({ event: z.literal('route_order'), tenant_id: id, seller_id: id, order_id: id });

/**
 * oms-hub-routing-queue: route one order. Redelivery is safe (an order already routed is left as
 * it is; holds of a killed attempt are found on the stock rows); a busy order lock is retryable.
 */
export function hubRoutingHandler(routing: HubRoutingService): MessageHandler {
  return {
    kind: 'single',
    async handle(message, ctx) {
      const msg = RouteOrderMessage.parse(message.body);
      const order = await routing.routeLocked(tenantScope(msg.tenant_id), msg.order_id);
      ctx.logger.debug({ order_id: order.id, status: order.status, hub_code: order.hub_code, hold_reason: order.hold_reason }, 'order routed');
    },
  };
}
