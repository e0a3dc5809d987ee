import { AppError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { OrderChange, OrderRepository } from '../order/order.repository.js';

const MAX_ATTEMPTS = 8;

/**
 * Applies a change that does not depend on who else wrote the order meanwhile (a shipment
 * reference, an invoice number): on a version race it re-reads and asks `change` again, which may
 * answer null when there is nothing left to do. Returns the order as last seen.
 */
export async function updateOrderRetrying(orders: OrderRepository, scope: TenantScope, order: Order, change: (current: Order) => OrderChange | null): Promise<Order> {
  let current: Order | null = order;
  for (let i = 0; i < MAX_ATTEMPTS && current; i++) {
    const wanted = change(current);
    if (!wanted) return current;
    const updated = await orders.update(scope, current, wanted);
    if (updated) return updated;
    current = await orders.findInTenant(scope, order.id);
  }
  if (!current) throw AppError.notFound('order', order.id);
  throw new AppError('version_conflict', `order ${order.id} kept changing; try again`, { order_id: order.id });
}
