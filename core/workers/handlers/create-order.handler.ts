import { isAppError } from '../../domain/errors.js';
import { tenantScope } from '../../domain/tenant-scope.js';
import type { OrderEdit } from '../../order/order-edits.js';
import { ChannelMessage } from '../../order/order.schemas.js';
import type { OrderService } from '../../order/order.service.js';
import type { TenantService } from '../../tenant/tenant.service.js';
import type { MessageHandler } from '../runtime/listener.js';

/**
 * oms-create-order-queue: a sales channel's create_order, update_order and cancel_order. Like a
 * controller: validate (a ZodError dead-letters the message with its field errors), resolve the
 * seller, call one OrderService method. A channel order that already exists is a silent no-op,
 * which is what makes a redelivered or duplicated create harmless.
 */
export function createOrderHandler(orders: OrderService, tenants: TenantService): MessageHandler {
  return {
    kind: 'single',
    async handle(message, ctx) {
      const msg = ChannelMessage.parse(message.body);
      const scope = await tenants.sellerScopeFor(tenantScope(msg.tenant_id), msg.seller_id);
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
    },
  };
}
