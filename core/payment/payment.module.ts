import { PAYMENT_EVENT_TYPES } from '../domain/events.js';
import { sellerScope, tenantScope } from '../domain/tenant-scope.js';
import type { StockRoutingModule } from '../hub_routing/stock-routing.module.js';
import type { OrderModule } from '../order/order.module.js';
import { orderLockKey } from '../platform/locker.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { registerPaymentRoutes } from './payment.controller.js';
import { PaymentUpdateMessage, toPaymentEventInput } from './payment.schemas.js';
import { PaymentService } from './payment.service.js';

/** The payment lifecycle (issue 14 part 3). */
export interface PaymentModule extends DomainModule {
  service: PaymentService;
  /** Cancels prepaid orders unpaid after their tenant's reservation timeout (releasing their stock). */
  timeoutSweep: PeriodicTask;
}

export function buildPaymentModule(platform: Platform, deps: { tenancy: TenancyModule; orders: OrderModule; stock: StockRoutingModule }): PaymentModule {
  const { config, logger, locker } = platform;
  const { relay, repository: orders } = deps.orders;
  const { holds, stockPort } = deps.stock;
  const tenants = deps.tenancy.tenants;
  const service = new PaymentService({ orders, tenants, locker, relay, logger });

  // Follow-ups ride on the payment events, so a crash after the write cannot lose them (the relay retries).
  relay.onEvent(async (order, event) => {
    // Paid while held: re-evaluated at once, on the approve-on-hold workers (routed and approved if stock allows).
    if (event.type === PAYMENT_EVENT_TYPES.paid && event.payload.order_effect === 're_evaluate') {
      await holds.seller(sellerScope(order.tenant_id, order.seller_id), 'payment_cleared', order.id);
    }
    // Failed after approval and put back on hold: its stock and hub slot go back, under the order's
    // lock and only while it is still held (a re-routing in between owns what it holds by then).
    if (event.type === PAYMENT_EVENT_TYPES.failed && event.payload.order_effect === 'held') {
      const scope = tenantScope(order.tenant_id);
      const released = await locker.withLock(orderLockKey(order.tenant_id, order.id), async () => {
        const current = await orders.findInTenant(scope, order.id);
        if (current?.status !== 'on_hold') return false;
        await stockPort.releaseForOrder(scope, current);
        return true;
      });
      if (released) await holds.tenant(scope, 'stock_released');
    }
  });

  // The sales channel's door: payment_update on oms-create-order-queue.
  deps.orders.channelEvents.on('payment_update', PaymentUpdateMessage, async ({ msg, scope, ctx }) => {
    const ref = msg.sales_channel ? { sales_channel: msg.sales_channel } : { id: msg.order_id! };
    const result = await service.record(scope, ref, toPaymentEventInput(msg.payment_event), 'seller', 'sales_channel');
    ctx.logger.info({ order_id: result.order.id, payment_event: msg.payment_event.event_id, duplicate: result.duplicate }, 'payment event from sales channel');
  });

  const timeoutSweep = periodicTask(
    'payment-timeout-sweep',
    config.payment.timeout_sweep_interval_ms,
    async () => {
      for (const tenantId of await tenants.listTenantIds()) {
        await service.releaseUnpaid(tenantScope(tenantId)).catch((err) => logger.warn({ err, tenant_id: tenantId }, 'payment timeout sweep of tenant failed'));
      }
    },
    logger,
  );

  return {
    name: 'payments',
    service,
    timeoutSweep,
    routes: (groups) => registerPaymentRoutes(groups, service),
    background: [timeoutSweep],
  };
}
