import { randomBytes } from 'node:crypto';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Order } from '../core/domain/order.js';
import { OrderRepository } from '../core/order/order.repository.js';
import { newId } from '../core/platform/ids.js';
import { StockRepository } from '../core/inventory/stock.repository.js';
import type { StockRow } from '../core/inventory/stock.types.js';
import { eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';

/** Helpers of the stock and routing suites (not a spec file). */

export function uid(prefix = ''): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function modules() {
  return getStack().oms.container.stockRouting;
}

export function stockRepo(): StockRepository {
  return new StockRepository(getStack().oms.container.platform.mongo.db);
}

export function orderRepo(): OrderRepository {
  return new OrderRepository(getStack().oms.container.platform.mongo.db);
}

export async function setStock(t: TestTenant, hub_code: string, sku: string, quantity: number): Promise<void> {
  const res = await t.seller('PUT', '/inventory', { hub_code, sku, quantity });
  if (res.status !== 200) throw new Error(`set stock failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function row(tenantId: string, hub: string, sku: string): Promise<StockRow | null> {
  return stockRepo().find(tenantScope(tenantId), hub, sku);
}

export async function settings(tenantId: string, body: unknown): Promise<void> {
  const res = await http('PUT', `/internal/api/v1/tenants/${tenantId}/settings`, { body, headers: internalHeaders() });
  if (res.status !== 200) throw new Error(`settings failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export function orderBody(items: [string, number][], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    order_id: uid('SO-'),
    sales_channel: { name: 'shopify', order_id: uid('sh-') },
    order_items: items.map(([sku, quantity], i) => ({ seller_sku_code: sku, quantity, unit_price: 10, sales_channel_order_item_id: `li-${i}` })),
    customer: { name: 'Test Buyer', email: 'buyer@example.com', phone: '+966500000000' },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
    hub_code: null,
    ...extra,
  };
}

/** Creates an order through the API (the relay then queues route_order); returns its OMS id. */
export async function createOrder(t: TestTenant, items: [string, number][], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.seller('POST', '/orders', orderBody(items, extra));
  if (res.status !== 201) throw new Error(`order create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id as string;
}

export async function stored(tenantId: string, id: string): Promise<Order> {
  const order = await orderRepo().findInTenant(tenantScope(tenantId), id);
  if (!order) throw new Error(`order ${id} not found`);
  return order;
}

/** Waits until routing has decided the order (it is no longer pending). */
export async function routed(tenantId: string, id: string, timeoutMs = 45_000): Promise<Order> {
  return eventually(`order ${id} routed`, async () => {
    const o = await stored(tenantId, id);
    return o.status !== 'pending' ? o : null;
  }, timeoutMs);
}

/** Sum of holds, reserved and available of a row, for invariant checks. */
export function holdsSum(r: StockRow): number {
  return r.holds.reduce((n, h) => n + h.quantity, 0);
}

/**
 * Pending orders written straight to the orders collection: the caller routes them.
 */
export async function insertPending(tenantId: string, sellerId: string, count: number, sku: string, quantity = 1): Promise<string[]> {
  const ids: string[] = [];
  const base = Date.now();
  const one = async (i: number) => {
    const at = new Date(base + i);
    const order: Order = {
      id: newId('ord'), tenant_id: tenantId, seller_id: sellerId, order_id: uid('SO-'), order_number: i + 1,
      status: 'pending', hold_reason: null, hub_code: null, sales_channel: { name: 'test', order_id: uid('ch-') },
      order_items: [{ seller_sku_code: sku, quantity, unit_price: 10, sales_channel_order_item_id: null }],
      customer: { name: 'Buyer', email: null, phone: null },
      shipping_address: { line1: 'x', line2: null, city: 'Riyadh', state: null, country: 'SA', postal_code: null, latitude: 24.7, longitude: 46.7 },
      payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
      shipment: null, invoice_number: null, routing: null, reservation: null, timeline: [], outbox: [], created_at: at, updated_at: at, version: 1,
    };
    // Written as the repository would store it after the relay ran (no created event left), in
    // one insert: the fixture stays cheap and the relay does not queue route_order as well.
    const { id, ...rest } = order;
    await getStack().oms.container.platform.mongo.db.collection('orders').insertOne({ _id: id as never, ...rest, channel_key: `test:${order.sales_channel!.order_id}`, search: [], outbox_pending: false });
    ids[i] = id;
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => one(i + k)));
  return ids;
}
