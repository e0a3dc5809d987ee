import assert from 'node:assert/strict';
import { ORDER_STATUSES } from '../core/domain/order.js';
import { sellerScope } from '../core/domain/tenant-scope.js';
import { OrderRepository } from '../core/order/order.repository.js';
import { createTenant, eventually, http, pastBusy, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';

function orderBody(n: number, channel: string): Record<string, unknown> {
  return {
    order_id: `AGG-${n}`,
    sales_channel: channel === 'direct' ? null : { name: channel, order_id: `agg-${n}` },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
    customer: { name: 'Aisha Khan', email: null, phone: null },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA' },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
  };
}

/** Moves an order along the transition table as the WMS/system would (the routing and WMS workers may not run here). */
async function move(t: TestTenant, id: string, steps: { to: any; actor: any; holdReason?: any; hub?: string }[]): Promise<void> {
  const repo = new OrderRepository(getStack().oms.container.platform.mongo.db);
  const scope = sellerScope(t.tenantId, t.sellerId);
  for (const step of steps) {
    await eventually(`order ${id} to reach ${step.to}`, async () => {
      const order = await repo.findById(scope, id);
      if (!order) return false;
      if (order.status === step.to) return true;
      const set = step.hub ? { hub_code: step.hub } : undefined;
      return (await repo.transition(scope, order, { to: step.to, actor: step.actor, holdReason: step.holdReason, allowSkip: true, set })) !== null;
    }, 20_000, 100);
  }
}

describe('aggregator: dashboard and timeline', function () {
  this.timeout(180_000);

  it('counts equal the orders after a mixed workload of creates, holds, cancels and deliveries', async () => {
    const t = await createTenant();
    const channels = ['shopify', 'woocommerce', 'direct'];
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.seller('POST', '/orders', orderBody(i, channels[i % 3]!));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.data.id);
    }
    await move(t, ids[0]!, [{ to: 'on_hold', actor: 'system', holdReason: 'manual_review' }]);
    await move(t, ids[1]!, [{ to: 'on_hold', actor: 'system', holdReason: 'payment_pending' }]);
    await move(t, ids[2]!, [{ to: 'on_hold', actor: 'system', holdReason: 'manual_review' }]);
    assert.equal((await t.seller('POST', `/orders/${ids[3]}/cancel`, { reason: 'changed mind' })).status, 200);
    assert.equal((await t.seller('POST', `/orders/${ids[4]}/cancel`, { reason: 'changed mind' })).status, 200);
    for (const id of ids.slice(5, 8)) {
      await move(t, id, [{ to: 'approved', actor: 'system', hub: 'H-EAST' }, { to: 'shipped', actor: 'wms' }, { to: 'delivered', actor: 'courier' }]);
    }
    await move(t, ids[8]!, [{ to: 'approved', actor: 'system', hub: 'H-WEST' }]);

    // the truth, read straight from the orders
    const docs = await getStack().oms.container.platform.mongo.db.collection('orders').find({ tenant_id: t.tenantId, seller_id: t.sellerId }).toArray();
    const tally = (key: (d: any) => string | null, filter: (d: any) => boolean = () => true) => {
      const out: Record<string, number> = {};
      for (const d of docs.filter(filter)) {
        const k = key(d);
        if (k !== null) out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    const res = await t.aggregator('GET', `/dashboard?sla_hours=0`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const d = res.body.data;
    assert.equal(d.total, 12);
    assert.deepEqual(d.by_status, { ...Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])), ...tally((o) => o.status) });
    assert.deepEqual(d.by_hub, tally((o) => o.hub_code ?? 'unassigned'));
    assert.deepEqual(d.by_sales_channel, tally((o) => o.sales_channel?.name ?? 'direct'));
    assert.deepEqual(d.on_hold_by_reason, tally((o) => o.hold_reason, (o) => o.status === 'on_hold'));
    assert.ok(d.by_status.delivered >= 3 && d.by_status.cancelled === 2 && d.by_sales_channel.direct === 4);
    const notShipped = ['pending', 'on_hold', 'approved', 'picking', 'picked', 'packing', 'packed'];
    assert.equal(d.late.count, docs.filter((o) => notShipped.includes(o.status)).length, 'with a zero SLA every unshipped order is late');
    const byConfig = (await t.aggregator('GET', '/dashboard')).body.data.late;
    assert.deepEqual([byConfig.count, byConfig.ship_by_sla_hours], [0, getStack().config.order.ship_by_sla_hours], 'none is late against the configured SLA');

    // the date range bounds the counts
    const future = await t.aggregator('GET', `/dashboard?from=${new Date(Date.now() + 3_600_000).toISOString()}&to=${new Date(Date.now() + 7_200_000).toISOString()}`);
    assert.equal(future.body.data.total, 0);
    const bad = await t.aggregator('GET', '/dashboard?from=2026-02-01&to=2026-01-01');
    assert.equal(bad.status, 400);
    assert.equal((await t.aggregator('GET', '/dashboard?from=yesterday')).status, 400);

    // another tenant sees none of it
    const other = await createTenant();
    assert.equal((await other.aggregator('GET', '/dashboard')).body.data.total, 0);
    const cross = await http('GET', `/aggregator/api/v1/sellers/${t.sellerId}/dashboard`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    assert.equal(cross.status, 404);
  });

  it("serves an order's timeline, tenant-scoped", async () => {
    const t = await createTenant();
    const created = await t.seller('POST', '/orders', orderBody(1, 'shopify'));
    const id = created.body.data.id;
    // Routing may hold the order's lock at this moment (409 order_in_progress): retry as a client would.
    const cancel = await pastBusy('the cancel', () => t.seller('POST', `/orders/${id}/cancel`, { reason: 'duplicate' }));
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    // Routing may still append to it; the two views agree once they are read at the same version.
    const res = await eventually('the aggregator timeline to equal the public one', async () => {
      const agg = await t.aggregator('GET', `/orders/${id}/timeline`);
      const pub = await t.seller('GET', `/orders/${id}/timeline`);
      return agg.status === 200 && JSON.stringify(agg.body.data) === JSON.stringify(pub.body.data) ? agg : null;
    });
    assert.ok(res.body.data.some((e: any) => e.to === 'cancelled' && e.reason === 'duplicate'));
    const other = await createTenant();
    assert.equal((await other.aggregator('GET', `/orders/${id}/timeline`)).status, 404);
    assert.equal((await http('GET', `/aggregator/api/v1/sellers/${t.sellerId}/orders/${id}/timeline`)).status, 401);
  });
});
