import { isAppError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Logger } from '../platform/logger.js';
import { STOCK_HOLD_REASONS } from './hold-rules.js';
import type { HubRoutingService } from './hub-routing.service.js';
import { orderLines } from './routing-inputs.js';

export interface SweepResult {
  examined: number;
  approved: number;
  still_on_hold: number;
  skipped: number;
}

/** How many held orders one sweep looks at; a backlog beyond it is reached by the next trigger. */
const SWEEP_LIMIT = 1000;

/**
 * Re-routes held orders when stock arrives or on request, oldest first. Once an order waiting
 * for a SKU stays held, younger orders wanting that SKU are not tried in this sweep: the oldest
 * keeps its place in line instead of a smaller, younger order taking the units it waits for.
 */
export class ApproveOnHoldService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly routing: HubRoutingService,
    private readonly logger: Logger,
  ) {}

  async sweep(scope: SellerScope, orderId?: string | null): Promise<SweepResult> {
    const result: SweepResult = { examined: 0, approved: 0, still_on_hold: 0, skipped: 0 };
    const held = orderId
      ? [await this.orders.findById(scope, orderId)].filter((o): o is Order => o?.status === 'on_hold')
      : await this.orders.listByStatus(scope, 'on_hold', SWEEP_LIMIT);
    const exhausted = new Set<string>();
    for (const order of held) {
      result.examined += 1;
      const skus = orderLines(order).map((l) => l.sku);
      if (skus.some((s) => exhausted.has(s))) {
        result.skipped += 1;
        continue;
      }
      let after: Order;
      try {
        after = await this.routing.routeLocked(scope, order.id);
      } catch (err) {
        // Someone is changing it right now. A sweep of the seller moves on (whoever holds the
        // lock is routing or editing it); a message about this one order is retried later, so
        // the re-evaluation it asks for is not lost.
        if (isAppError(err) && err.retryable && !orderId) {
          this.logger.info({ order_id: order.id, code: err.code }, 'approve-on-hold: order busy; left for the next sweep');
          result.skipped += 1;
          continue;
        }
        throw err;
      }
      if (after.status === 'on_hold') {
        result.still_on_hold += 1;
        if (after.hold_reason && STOCK_HOLD_REASONS.includes(after.hold_reason)) {
          const short = (after.routing?.short_skus as string[] | undefined) ?? [];
          for (const s of short.length > 0 ? short : skus) exhausted.add(s);
        }
      } else if (after.status === 'approved') {
        result.approved += 1;
      }
    }
    return result;
  }
}
