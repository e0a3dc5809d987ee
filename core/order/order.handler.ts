import { isAppError } from '../domain/errors.js';
import { z } from 'zod';
import { OutboundEventSchema } from '../domain/events.js';
import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import type { OrderEdit } from './order-edits.js';
import type { ChannelEvents } from './channel-events.js';
import { ChannelMessage } from './order.schemas.js';
import type { OrderService } from './order.service.js';
import type { OrderUpdatesService } from './order-updates.service.js';

const ORDER_EVENTS: readonly string[] = ['create_order', 'update_order', 'cancel_order'];
const AnyChannelEvent = z.object({ event: z.string().min(1).max(100) });

/**
 * oms-create-order-queue: a sales channel's create_order, update_order and cancel_order. A
 * channel order that already exists is a silent no-op, which is what makes a redelivered or
 * duplicated create harmless.
 * oms-order-updates-queue (subscribed to the oms-events topic, raw delivery): every outbound event goes to
 * Pusher, customer notifications and the sales channel.
 */
export function registerOrderHandlers(queues: HandlerGroup, orders: OrderService, updates: OrderUpdatesService, others: ChannelEvents): void {
  queues.add('createOrder', AnyChannelEvent, async ({ msg: envelope, scope, ctx, message }) => {
    // Events other modules registered (payment_update) are parsed and handled by them.
    if (!ORDER_EVENTS.includes(envelope.event)) return others.dispatch(envelope.event, { scope, ctx, message });
    const msg = ChannelMessage.parse(message.body);
    switch (msg.event) {
      case 'create_order':
        try {
          const order = await orders.create(scope, msg.order, 'seller', { source: 'sales_channel', logger: ctx.logger });
          ctx.logger.info({ order_id: order.id, order_number: order.order_number }, 'order created from sales channel');
        } catch (err) {
          if (!isAppError(err) || err.code !== 'order_already_exists') throw err;
          ctx.logger.info({ details: err.details }, 'sales channel order already exists; ignored');
        }
        return;
      case 'update_order': {
        const edits: OrderEdit[] = [];
        if (msg.payment) edits.push({ edit_type: 'payment', payment: msg.payment });
        if (msg.customer) edits.push({ edit_type: 'customer_details', customer: msg.customer });
        if (msg.shipping_address) edits.push({ edit_type: 'shipping_address', shipping_address: msg.shipping_address });
        await orders.updateFromChannel(scope, msg.sales_channel, edits, 'seller');
        return;
      }
      case 'cancel_order':
        await orders.cancelFromChannel(scope, msg.sales_channel, msg.reason, 'seller');
        return;
    }
  }, { priority: 'interactive' });
  queues.add('orderUpdates', OutboundEventSchema, ({ msg }) => updates.handle(msg));
}
