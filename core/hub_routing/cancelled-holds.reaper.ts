import type { TenantScope } from '../domain/tenant-scope.js';
import type { StockService } from '../inventory/stock.service.js';
import type { StockRepository } from '../inventory/stock.repository.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Logger } from '../platform/logger.js';
import type { HubCapacity } from './hub-capacity.js';

/**
 * Gives back what cancelled orders still hold: stock holds and slots of today's hub days.
 *
 * A cancel's own follow-up releases whatever the order holds when its move is relayed. A routing
 * that read the order before the cancel can still reserve after that follow-up ran; its write
 * then fails and it gives its holds back, unless its process dies in between. A route_order
 * message is redelivered and heals that, but a held order re-evaluated by a sweep or a trigger
 * has no message left to retry it: its holds would stay, units nobody can sell. A cancelled order
 * never holds again, so releasing what it holds is safe at any moment, whoever else is working
 * on it. Runs every `hub.cancelled_holds_sweep_interval_ms`; `check-stock --repair` remains the
 * operators' tool for everything else.
 */
export class CancelledHoldsReaper {
  constructor(
    private readonly deps: {
      stockRepo: StockRepository;
      stock: StockService;
      capacity: HubCapacity;
      orders: OrderRepository;
      logger: Logger;
      /** Freed units may clear held orders: they are re-evaluated, as after a cancel. */
      released: (scope: TenantScope) => Promise<void>;
    },
  ) {}

  /** One pass over a tenant; returns the cancelled orders it released something of. */
  async reap(scope: TenantScope): Promise<string[]> {
    const { stockRepo, stock, capacity, orders, logger } = this.deps;
    const slots = await capacity.slotsToday(scope);
    const holders = [...new Set([...(await stockRepo.holderIds(scope)), ...slots.keys()])];
    const cancelled: string[] = [];
    for (let i = 0; i < holders.length; i += 100) cancelled.push(...(await orders.idsInStatus(scope, holders.slice(i, i + 100), 'cancelled')));
    for (const orderId of cancelled) {
      const holds = await stockRepo.holdsOf(scope, orderId);
      await stock.releaseHolds(scope, holds);
      await capacity.releaseSlots(scope, orderId, slots.get(orderId) ?? []);
      logger.warn({ tenant_id: scope.tenantId, order_id: orderId, holds: holds.map((h) => `${h.hub_code}/${h.sku}:${h.hold.quantity}`) }, 'released what a cancelled order still held');
    }
    if (cancelled.length > 0) await this.deps.released(scope);
    return cancelled;
  }
}
