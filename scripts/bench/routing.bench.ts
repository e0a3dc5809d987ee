import { performance } from 'node:perf_hooks';
import type { Order } from '../../core/domain/order.js';
import { sellerScope, tenantScope } from '../../core/domain/tenant-scope.js';
import { newId } from '../../core/platform/ids.js';
import { OrderRepository } from '../../core/order/order.repository.js';
import { getStack } from '../../test/support/stack.js';
import { measure, type BenchResult, type BenchScenario } from './harness.js';

/**
 * Routing throughput (pending -> approved, plan + reserve + transition, under the order lock as
 * the listener does) and hot-SKU reservations: many orders racing for one SKU's last units.
 * Orders are inserted directly (their outbox emptied at once, so the relay does not route them
 * too): the figures are routing's own, not order creation's.
 */
const ROUTED = 200;
const HOT_UNITS = 100;
const HOT_ORDERS = 300;
const CONCURRENCY = 20;

async function world(): Promise<{ tenantId: string; sellerId: string }> {
  const { container } = getStack().oms;
  const tenant = await container.tenancy.tenants.createTenant({ name: 'bench-routing' });
  const scope = tenantScope(tenant.id);
  const { seller } = await container.tenancy.tenants.createSeller(scope, { name: 'bench', code: `b-${Date.now()}` });
  return { tenantId: tenant.id, sellerId: seller.id };
}

async function pendingOrders(tenantId: string, sellerId: string, count: number, sku: string): Promise<string[]> {
  const repo = new OrderRepository(getStack().oms.container.platform.mongo.db);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const now = new Date();
    const order: Order = {
      id: newId('ord'), tenant_id: tenantId, seller_id: sellerId, order_id: `B-${i}-${now.getTime()}`, order_number: i + 1,
      status: 'pending', hold_reason: null, hub_code: null, sales_channel: { name: 'bench', order_id: `${i}-${now.getTime()}` },
      order_items: [{ seller_sku_code: sku, quantity: 1, unit_price: 10, sales_channel_order_item_id: null }],
      customer: { name: 'Bench', email: null, phone: null },
      shipping_address: { line1: 'x', line2: null, city: 'Riyadh', state: null, country: 'SA', postal_code: null, latitude: 24.7, longitude: 46.7 },
      payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
      shipment: null, invoice_number: null, routing: null, reservation: null, timeline: [], outbox: [], created_at: now, updated_at: now, version: 1,
    };
    const created = await repo.insert(sellerScope(order.tenant_id, order.seller_id), order);
    await repo.removeFromOutbox(tenantScope(order.tenant_id), created, created.outbox);
    ids.push(order.id);
  }
  return ids;
}

const scenario: BenchScenario = {
  name: 'routing',
  async run(): Promise<BenchResult[]> {
    const { container } = getStack().oms;
    const { stock, routing } = container.stockRouting;
    const { tenantId, sellerId } = await world();
    const scope = tenantScope(tenantId);
    for (const [code, latitude, longitude, performance_score] of [['B-RUH', 24.71, 46.67, 0.9], ['B-JED', 21.48, 39.19, 0.8], ['B-DMM', 26.42, 50.08, 0.7]] as const) {
      await container.tenancy.hubs.create(scope, { code, name: code, latitude, longitude, is_external: false, daily_capacity: null, priority: 0, performance_score });
      await stock.setOnHand(sellerScope(tenantId, sellerId), { hub_code: code, sku: 'BENCH-1', quantity: 100_000 });
    }
    const ids = await pendingOrders(tenantId, sellerId, ROUTED, 'BENCH-1');
    const routed = await measure(ids.length, CONCURRENCY, async (i) => void (await routing.routeLocked(scope, ids[i]!)));

    await stock.setOnHand(sellerScope(tenantId, sellerId), { hub_code: 'B-RUH', sku: 'BENCH-HOT', quantity: HOT_UNITS });
    const hot = await pendingOrders(tenantId, sellerId, HOT_ORDERS, 'BENCH-HOT');
    const started = performance.now();
    const race = await measure(hot.length, CONCURRENCY, async (i) => void (await routing.routeLocked(scope, hot[i]!)));
    const seconds = (performance.now() - started) / 1000;
    const row = (await stock.list(scope, { hub_code: 'B-RUH', sku: 'BENCH-HOT' }))[0]!;
    return [
      {
        scenario: 'routing: pending -> approved',
        figures: { orders: ROUTED, concurrency: CONCURRENCY, 'orders/s': routed.perSecond, 'p50 ms': routed.p50, 'p99 ms': routed.p99 },
        notes: '3 hubs, plan + reserve + transition + outbox relay per order, under the order lock',
      },
      {
        scenario: 'routing: hot SKU',
        figures: {
          units: HOT_UNITS,
          orders: HOT_ORDERS,
          'routings/s': race.perSecond,
          'reservations/s': Math.round((row.reserved / seconds) * 10) / 10,
          reserved: row.reserved,
          available: row.available,
          'p99 ms': race.p99,
        },
        notes: `${HOT_ORDERS} one-unit orders race for ${HOT_UNITS} units; reserved must end at ${HOT_UNITS}, available at 0`,
      },
    ];
  },
};

export default scenario;
