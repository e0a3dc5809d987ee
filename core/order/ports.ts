import type { Actor, HoldReason, Order } from '../domain/order.js';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';

/**
 * What the order core needs from the stock and routing capability (core/inventory,
 * core/hub_routing), as interfaces, so neither calls the other's service directly
 * (STYLE.md: other domains are read through small ports).
 */
export interface StockPort {
  /**
   * Releases everything `order` holds at its hub (cancel, reassignment, RTO before restock).
   * Idempotent: releasing an order that holds nothing is a no-op.
   */
  releaseForOrder(scope: TenantScope, order: Order): Promise<void>;

  /** Shipping: the order's held units leave the hub (on_hand and reserved both drop). Idempotent per order. */
  consumeForOrder(scope: TenantScope, order: Order): Promise<void>;

  /** Units come back to a hub (RTO, received return). `key` makes it idempotent (one restock per key). */
  restock(scope: TenantScope, hubCode: string, lines: { sku: string; quantity: number }[], key: string): Promise<void>;
}

export interface RouteOrderOptions {
  hubCode?: string | null;
  /** Who asks: 'system' (routing listener) applies hold rules; a seller or service approving has decided already. */
  actor?: Actor;
}

export interface RoutingPort {
  /**
   * Routes a pending (or stock-held) order: picks a hub, reserves every line there or none,
   * stores the decision, and moves the order to `approved` or `on_hold` with a reason.
   * Idempotent: a redelivered message never reserves twice. Returns the order after.
   */
  routeOrder(scope: TenantScope, orderId: string, options?: RouteOrderOptions): Promise<Order>;
}

/** Hold rules of the tenant (payment pending, manual review) evaluated for a routed order. */
export interface HoldRulesPort {
  holdReasonFor(scope: SellerScope, order: Order): Promise<HoldReason | null>;
}
