import { randomBytes } from 'node:crypto';
import { OrderRepository } from '../core/order/order.repository.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Order } from '../core/domain/order.js';
import { getStack } from './support/stack.js';

/** Test helpers of the order suites (not a spec file: no `.test.ts`). */

export function uid(prefix = ''): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function orderBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  const id = uid('SO-');
  return {
    order_id: id,
    sales_channel: { name: 'shopify', order_id: uid('sh-') },
    order_items: [
      { seller_sku_code: 'SKU-1', quantity: 2, unit_price: 10.5, sales_channel_order_item_id: 'li-1' },
      { seller_sku_code: 'SKU-2', quantity: 1, unit_price: 5, sales_channel_order_item_id: 'li-2' },
    ],
    customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000' },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 26 },
    hub_code: null,
    ...overrides,
  };
}

export function orderRepo(): OrderRepository {
  return new OrderRepository(getStack().oms.container.platform.mongo.db);
}

export async function storedOrder(tenantId: string, id: string): Promise<Order | null> {
  return orderRepo().findInTenant(tenantScope(tenantId), id);
}

export async function countOrders(tenantId: string, filter: Record<string, unknown> = {}): Promise<number> {
  return getStack().oms.container.platform.mongo.db.collection('orders').countDocuments({ tenant_id: tenantId, ...filter });
}

/** Moves an order as another domain would (WMS, routing), through the one transition path. */
export async function moveOrder(tenantId: string, id: string, to: Order['status'], actor: Order['timeline'][number]['actor'], extra: { holdReason?: any; allowSkip?: boolean } = {}): Promise<Order> {
  const repo = orderRepo();
  const current = await repo.findInTenant(tenantScope(tenantId), id);
  if (!current) throw new Error(`order ${id} not found`);
  const moved = await repo.transition(tenantScope(tenantId), current, { to, actor, holdReason: extra.holdReason ?? null, allowSkip: extra.allowSkip ?? false });
  if (!moved) throw new Error('version conflict in test move');
  return moved;
}

export function sendToQueue(key: 'createOrder' | 'orderUpdates', body: unknown): Promise<string> {
  return getStack().oms.container.platform.queues.send(key, body);
}

/**
 * Waits until the hub-routing listener has handled a new order (it leaves `pending`), its events
 * are relayed and its lock is free, so a test's next step does not race the routing.
 */
export async function settled(tenantId: string, id: string): Promise<Order> {
  const { redis } = getStack().oms.container.platform;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const order = await storedOrder(tenantId, id);
    if (!order) throw new Error(`order ${id} not found`);
    const locked = await redis.exists(`lock:order:${tenantId}:${id}`);
    if (order.status !== 'pending' && order.outbox.length === 0 && !locked) return order;
    if (Date.now() > deadline) throw new Error(`order ${id} did not settle (status ${order.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sets a hold reason as the hold rules would (the status move itself went through the table). */
export async function setHoldReason(tenantId: string, id: string, reason: string): Promise<Order> {
  const repo = orderRepo();
  const current = await repo.findInTenant(tenantScope(tenantId), id);
  const updated = current && (await repo.update(tenantScope(tenantId), current, { set: { hold_reason: reason as never } }));
  if (!updated) throw new Error('could not set hold reason');
  return updated;
}
