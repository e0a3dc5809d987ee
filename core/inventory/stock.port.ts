import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';

/**
 * What other domains (fulfilment, returns) need from stock, as an interface, so they do not
 * call the stock service's other use cases (STYLE.md: other domains are read through small ports).
 */
export interface StockPort {
  /**
   * Releases everything `order` holds (its stock holds and its slot of a hub's day: cancel,
   * reassignment, RTO before restock). Idempotent: releasing an order that holds nothing is a no-op.
   */
  releaseForOrder(scope: TenantScope, order: Order): Promise<void>;

  /**
   * Shipping: the order's held units leave the hub (on_hand and reserved both drop). Idempotent per
   * order. With `hubCode`, only what it holds at that hub (a split order's part that shipped).
   */
  consumeForOrder(scope: TenantScope, order: Order, hubCode?: string): Promise<void>;

  /** Units come back to a hub (RTO, received return). `key` makes it idempotent (one restock per key): answers how many lines were restocked now. */
  restock(scope: TenantScope, hubCode: string, lines: { sku: string; quantity: number }[], key: string): Promise<number>;
}
