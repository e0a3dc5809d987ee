import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Logger } from '../platform/logger.js';
import type { Queues } from '../platform/queues.js';

/** Why held orders are looked at again (logged by the approve-on-hold handler). */
export type HoldCause =
  | 'stock_added'
  | 'stock_released'
  | 'payment_cleared'
  | 'hub_added'
  | 'capacity_reset'
  | 'periodic'
  | 'manual'
  | 'rule_unmatched';

/**
 * Asks for held orders to be re-evaluated, on the approve-on-hold queue, so the work runs on
 * workers and one handler decides (oldest first, per SKU, without double-reserving: see
 * ApproveOnHoldService). Every moment a hold could clear calls this: stock added or released,
 * a payment cleared, a hub added, a new day of hub capacity, the periodic sweep, a seller's
 * request. A duplicate trigger costs one read of the seller's held orders.
 */
export class HoldTriggers {
  constructor(
    private readonly orders: OrderRepository,
    private readonly queues: Queues,
    private readonly logger: Logger,
  ) {}

  /** One held order, or (without `orderId`) every held order of the seller. Throws when the queue is unreachable. */
  async seller(scope: SellerScope, cause: HoldCause, orderId?: string): Promise<string> {
    return this.queues.send('approveOnHold', { event: 'approve_on_hold', tenant_id: scope.tenantId, seller_id: scope.sellerId, cause, ...(orderId ? { order_id: orderId } : {}) });
  }

  /** Every seller of the tenant that has held orders (units and hubs are the tenant's, not one seller's). */
  async tenant(scope: TenantScope, cause: HoldCause): Promise<number> {
    const sellers = await this.orders.sellersWithStatus(scope, 'on_hold');
    for (const sellerId of sellers) await this.seller({ tenantId: scope.tenantId, sellerId }, cause);
    return sellers.length;
  }

  /** For triggers that must not fail what caused them (a stock write already done): logged, and the periodic sweep catches up. */
  async quietly(trigger: () => Promise<unknown>, what: Record<string, unknown>): Promise<void> {
    await trigger().catch((err) => this.logger.warn({ err, ...what }, 'approve-on-hold trigger not sent; the periodic sweep will catch up'));
  }
}
