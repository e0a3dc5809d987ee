import { z } from 'zod';
import { orderFromSnapshot } from '../domain/order.js';
import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import type { ApproveOnHoldService } from './approve-on-hold.service.js';
import type { HubRoutingService } from './hub-routing.service.js';

const id = z.string().trim().min(1).max(200);
/** `order`: the order as it was created (orderSnapshot), so the first attempt need not read it. */
export const RouteOrderMessage = z.object({ event: z.literal('route_order'), order_id: id, order: z.record(z.string(), z.unknown()).optional() });
export const ApproveOnHoldMessage = z.object({ event: z.literal('approve_on_hold'), order_id: id.nullish(), cause: z.string().max(40).nullish() });

/**
 * oms-hub-routing-queue and oms-hub-routing-bulk-queue: route one order. Redelivery is safe (an order already routed is left as
 * it is; holds of a killed attempt are found on the stock rows); a busy order lock is retryable.
 * oms-approve-on-hold-queue: re-evaluate one held order, or every held order of the seller, oldest first.
 */
export function registerHubRoutingHandlers(queues: HandlerGroup, routing: HubRoutingService, approveOnHold: ApproveOnHoldService, options: { routing: boolean }): void {
  if (options.routing) {
    // Both lanes (ADR 0016) run the same handler; their listeners' slots and their place at the
    // process's priority gate differ: the bulk lane waits while interactive routing is in flight.
    for (const lane of ['hubRouting', 'hubRoutingBulk'] as const) {
      queues.add(
        lane,
        RouteOrderMessage,
        async ({ msg, scope, message, ctx }) => {
          // A redelivery reads the order: whatever it carries is older than what a first attempt may have written.
          const known = message.receiveCount === 1 && msg.order ? orderFromSnapshot(msg.order, msg.order_id, scope.tenantId) : null;
          const order = await routing.routeLocked(scope, msg.order_id, known);
          ctx.logger.debug({ order_id: order.id, status: order.status, hub_code: order.hub_code, hold_reason: order.hold_reason, lane }, 'order routed');
        },
        { priority: lane === 'hubRouting' ? 'interactive' : 'bulk' },
      );
    }
  }
  queues.add('approveOnHold', ApproveOnHoldMessage, async ({ msg, scope, ctx }) => {
    const result = await approveOnHold.sweep(scope, msg.order_id ?? null);
    ctx.logger.debug({ ...result, seller_id: scope.sellerId, cause: msg.cause ?? null }, 'approve-on-hold sweep done');
  });
}
