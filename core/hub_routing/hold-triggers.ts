import { tenantScope, type SellerScope, type TenantScope } from '../domain/tenant-scope.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
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

/**
 * Which sweep is due at `now`: a new UTC day first (hub capacity is per UTC day, so orders held
 * for `hub_capacity` may go now), else the interval elapsing since the last sweep; null: none.
 */
export function sweepDue(last: { at: number; day: string }, now: Date, intervalMs: number): 'capacity_reset' | 'periodic' | null {
  if (utcDay(now) !== last.day) return 'capacity_reset';
  return now.getTime() - last.at >= intervalMs ? 'periodic' : null;
}

/**
 * Every held order of every tenant is looked at again every `intervalMs`, and at once when the
 * UTC day changes. The pass ticks each minute (at most) to notice the day change. Every worker
 * process runs it; the re-evaluation is idempotent, so a duplicate costs reads only.
 */
export function holdSweepTask(intervalMs: number, tenantIds: () => Promise<string[]>, holds: HoldTriggers, logger: Logger, clock: () => Date = () => new Date()): PeriodicTask {
  const last = { at: clock().getTime(), day: utcDay(clock()) };
  return periodicTask(
    'held-orders-sweep',
    Math.min(intervalMs, 60_000),
    async () => {
      const now = clock();
      const cause = sweepDue(last, now, intervalMs);
      if (!cause) return;
      Object.assign(last, { at: now.getTime(), day: utcDay(now) });
      for (const tenantId of await tenantIds()) await holds.quietly(() => holds.tenant(tenantScope(tenantId), cause), { tenant_id: tenantId, cause });
    },
    logger,
  );
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
