import assert from 'node:assert/strict';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { HubCapacityRepository } from '../core/hub_routing/hub-capacity.repository.js';
import { createHub, createTenant, eventually, http, type ApiResponse } from './support/api.js';
import { getStack } from './support/stack.js';
import { createOrder, holdsSum, insertPending, modules, routed, row, setStock, settings, stored } from './stock-support.js';

/** A client retries 409 order_in_progress (the lock of a routing that is just finishing). */
async function notBusy(call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (let i = 0; ; i++) {
    const res = await call();
    if (res.status !== 409 || res.body.error.code !== 'order_in_progress' || i > 20) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const RUH = { latitude: 24.7136, longitude: 46.6753 };
const JED = { latitude: 21.4858, longitude: 39.1925 };

/** Today's slot document of a hub: how many orders took a slot, and which. */
async function hubDay(tenantId: string, hubCode: string): Promise<{ taken: number; order_ids: string[] }> {
  const day = await new HubCapacityRepository(getStack().oms.container.platform.mongo.db).find(tenantScope(tenantId), hubCode, new Date().toISOString().slice(0, 10));
  return { taken: day?.taken ?? 0, order_ids: [...(day?.order_ids ?? [])].sort() };
}

describe('routing: hub choice, explanation, holds', () => {
  it('nearest hub wins when the weights favour proximity; every candidate is explained on the order', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'NEAR', ...RUH, performance_score: 0.2 });
    await createHub(t.tenantId, { code: 'FAR', ...JED, performance_score: 0.9 });
    await setStock(t, 'NEAR', 'SKU-1', 5);
    await setStock(t, 'FAR', 'SKU-1', 5);
    await settings(t.tenantId, { routing: { proximity_weight: 0.9, performance_weight: 0.1 } });
    const order = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]));
    assert.equal(order.status, 'approved');
    assert.equal(order.hub_code, 'NEAR');
    assert.deepEqual(order.reservation, { hub_code: 'NEAR', lines: [{ sku: 'SKU-1', quantity: 1 }] });
    const candidates = order.routing!.candidates as any[];
    assert.deepEqual(candidates.map((c) => [c.hub_code, c.outcome]), [['NEAR', 'chosen'], ['FAR', 'not_best']]);
    assert.ok(candidates[0].score > candidates[1].score && candidates[1].distance_km > 800);
    assert.ok(order.timeline.some((e) => e.kind === 'hub_routed'));
    // The default weights (performance 0.7) prefer the far, better hub.
    await settings(t.tenantId, { routing: { proximity_weight: 0.3, performance_weight: 0.7 } });
    await new Promise((r) => setTimeout(r, 2100)); // settings cache
    assert.equal((await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]))).hub_code, 'FAR');
  });

  it('skips hubs at daily capacity, breaks ties by priority and honours a requested hub that can fulfil', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'LOW', ...RUH, priority: 1 });
    await createHub(t.tenantId, { code: 'HIGH', ...RUH, priority: 9, daily_capacity: 1 });
    for (const h of ['LOW', 'HIGH']) await setStock(t, h, 'SKU-1', 10);
    assert.equal((await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]))).hub_code, 'HIGH');
    const second = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]));
    assert.equal(second.hub_code, 'LOW');
    const high = (second.routing!.candidates as any[]).find((c) => c.hub_code === 'HIGH');
    assert.match(high.rejected_because.join(), /at daily capacity \(1\/1\)/);
    const asked = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { hub_code: 'LOW' }));
    assert.equal(asked.hub_code, 'LOW');
    assert.equal(asked.routing!.requested_hub_honoured, true);
  });

  it('holds the order with the right reason: no stock, no hub, hold rules, auto-approval off; rule holds reserve nothing', async () => {
    const t = await createTenant();
    const noHub = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]));
    assert.deepEqual([noHub.status, noHub.hold_reason], ['on_hold', 'no_serviceable_hub']);
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-1', 1);
    // The arriving unit goes to the order that waited for it (approve-on-hold).
    await eventually('held order approved on arrival', async () => (await stored(t.tenantId, noHub.id)).status === 'approved');
    const noStock = await routed(t.tenantId, await createOrder(t, [['SKU-1', 2]]));
    assert.deepEqual([noStock.status, noStock.hold_reason, noStock.reservation], ['on_hold', 'insufficient_inventory', null]);
    await setStock(t, 'H1', 'SKU-1', 5);
    await eventually('stock order approved', async () => (await stored(t.tenantId, noStock.id)).status === 'approved');
    const unpaid = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 10 } }));
    assert.deepEqual([unpaid.status, unpaid.hold_reason], ['on_hold', 'payment_pending']);
    await settings(t.tenantId, { auto_approval: false, hold_rules: { cod_limit: 500 } });
    await new Promise((r) => setTimeout(r, 2100));
    const big = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 900 } }));
    assert.deepEqual([big.status, big.hold_reason], ['on_hold', 'manual_review']);
    const small = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]));
    assert.deepEqual([small.status, small.hold_reason], ['on_hold', 'manual_review']); // auto-approval off
    const r = (await row(t.tenantId, 'H1', 'SKU-1'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available], [5, 3, 2]);
    assert.deepEqual(r.holds.map((h) => h.order_id).sort(), [noHub.id, noStock.id].sort());
  });

  it('never holds a partial set for a multi-line order; takes the hub that has every line', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'HA', ...RUH });
    await createHub(t.tenantId, { code: 'HB', ...RUH });
    await setStock(t, 'HA', 'SKU-A', 5);
    await setStock(t, 'HB', 'SKU-B', 5);
    const split = await routed(t.tenantId, await createOrder(t, [['SKU-A', 1], ['SKU-B', 1]]));
    assert.deepEqual([split.status, split.hold_reason], ['on_hold', 'insufficient_inventory']);
    for (const [h, s] of [['HA', 'SKU-A'], ['HB', 'SKU-B']] as const) assert.equal((await row(t.tenantId, h, s))!.reserved, 0);
    await createHub(t.tenantId, { code: 'HC', ...JED });
    await setStock(t, 'HC', 'SKU-A', 1);
    await setStock(t, 'HC', 'SKU-B', 1);
    // The held order is the oldest waiting: it gets both lines at HC, the only hub with the set.
    await eventually('split order approved at HC', async () => (await stored(t.tenantId, split.id)).hub_code === 'HC');
    assert.equal((await stored(t.tenantId, split.id)).status, 'approved');
    assert.equal((await row(t.tenantId, 'HC', 'SKU-A'))!.reserved, 1);
    assert.equal((await row(t.tenantId, 'HC', 'SKU-B'))!.reserved, 1);
    for (const [h, s] of [['HA', 'SKU-A'], ['HB', 'SKU-B']] as const) assert.equal((await row(t.tenantId, h, s))!.reserved, 0);
  });

  it('a worker killed mid-reservation: the redelivered message reuses full holds and releases partial ones', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const scope = tenantScope(t.tenantId);
    const queues = getStack().oms.container.platform.queues;
    // Two orders held for stock; then stock arrives only for SKU-A.
    const full = await routed(t.tenantId, await createOrder(t, [['SKU-A', 2]]));
    const partial = await routed(t.tenantId, await createOrder(t, [['SKU-A', 1], ['SKU-B', 1]]));
    assert.equal(full.status, 'on_hold');
    await modules().stock.applyUpdate({ tenantId: t.tenantId, sellerId: 'nobody' }, { hub_code: 'H1', sku: 'SKU-A', delta: 10 }, 'seed');
    // The state a killed worker leaves: holds written on the stock row, the order untouched.
    assert.equal((await modules().stock.reserveAll(scope, 'H1', full, [{ sku: 'SKU-A', quantity: 2 }])).ok, true);
    assert.equal((await modules().stock.reserveAll(scope, 'H1', partial, [{ sku: 'SKU-A', quantity: 1 }])).ok, true);
    assert.equal((await row(t.tenantId, 'H1', 'SKU-A'))!.reserved, 3);
    for (const o of [full, partial]) await queues.send('approveOnHold', { event: 'approve_on_hold', tenant_id: t.tenantId, seller_id: t.sellerId, order_id: o.id });
    await eventually('full order approved', async () => (await stored(t.tenantId, full.id)).status === 'approved', 45_000);
    await eventually('partial order re-evaluated', async () => (await row(t.tenantId, 'H1', 'SKU-A'))!.reserved === 2, 45_000);
    const r = (await row(t.tenantId, 'H1', 'SKU-A'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available, holdsSum(r)], [10, 2, 8, 2]);
    assert.equal((await stored(t.tenantId, partial.id)).status, 'on_hold');
    assert.equal((await modules().check.run(scope, { repair: false })).ok, true);
  });

  it('on hold -> approved when stock arrives, oldest first', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await createOrder(t, [['SKU-W', 1]]));
      await routed(t.tenantId, ids[i]!);
    }
    await setStock(t, 'H1', 'SKU-W', 2); // an increase queues approve_on_hold for the seller
    await eventually('two oldest approved', async () => (await stored(t.tenantId, ids[1]!)).status === 'approved');
    assert.equal((await stored(t.tenantId, ids[0]!)).status, 'approved');
    assert.equal((await stored(t.tenantId, ids[2]!)).status, 'on_hold');
    const r = (await row(t.tenantId, 'H1', 'SKU-W'))!;
    assert.deepEqual([r.reserved, r.available], [2, 0]);
  });

  it('reassign moves the reservation atomically, or fails with nothing changed; assign-hub routes a held order', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1', ...RUH });
    await createHub(t.tenantId, { code: 'H2', ...JED });
    await setStock(t, 'H1', 'SKU-R', 5);
    await setStock(t, 'H2', 'SKU-R', 1);
    await settings(t.tenantId, { routing: { proximity_weight: 1, performance_weight: 0 } });
    const order = await routed(t.tenantId, await createOrder(t, [['SKU-R', 2]]));
    assert.equal(order.hub_code, 'H1');
    const refused = await notBusy(() => t.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: 'H2', reason: 'closer courier' }));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'insufficient_stock');
    assert.deepEqual([(await row(t.tenantId, 'H1', 'SKU-R'))!.reserved, (await row(t.tenantId, 'H2', 'SKU-R'))!.reserved], [2, 0]);
    assert.equal((await stored(t.tenantId, order.id)).hub_code, 'H1');
    const bad = await t.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: 'NOPE', reason: 'x' });
    assert.equal(bad.status, 400);
    const missingReason = await t.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: 'H2' });
    assert.equal(missingReason.status, 400);
    await setStock(t, 'H2', 'SKU-R', 5);
    const moved = await t.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: 'H2', reason: 'closer courier' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.data.hub_code, 'H2');
    const h1 = (await row(t.tenantId, 'H1', 'SKU-R'))!;
    const h2 = (await row(t.tenantId, 'H2', 'SKU-R'))!;
    assert.deepEqual([h1.reserved, h1.available, h2.reserved, h2.available], [0, 5, 2, 3]);
    const after = await stored(t.tenantId, order.id);
    assert.deepEqual(after.reservation, { hub_code: 'H2', lines: [{ sku: 'SKU-R', quantity: 2 }] });
    assert.ok(after.timeline.some((e) => e.kind === 'hub_reassigned'));
    // assign-hub on a held order: that hub or 409
    const held = await routed(t.tenantId, await createOrder(t, [['SKU-R', 4]]));
    assert.equal(held.status, 'approved'); // H1 has 5 free
    const other = await createTenant();
    assert.equal((await other.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: 'H1', reason: 'x' })).status, 404);
  });

  it('assign-hub puts a held order at the named hub or fails with nothing changed', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await createHub(t.tenantId, { code: 'H2' });
    const order = await routed(t.tenantId, await createOrder(t, [['SKU-S', 2]]));
    assert.equal(order.status, 'on_hold');
    await getStack().oms.container.platform.mongo.db.collection('orders').findOne({ _id: order.id as any }); // settle
    await modules().stock.applyUpdate({ tenantId: t.tenantId, sellerId: 'nobody' }, { hub_code: 'H1', sku: 'SKU-S', delta: 1 }, 'a');
    await modules().stock.applyUpdate({ tenantId: t.tenantId, sellerId: 'nobody' }, { hub_code: 'H2', sku: 'SKU-S', delta: 3 }, 'b');
    const refused = await notBusy(() => t.seller('POST', `/orders/${order.id}/assign-hub`, { hub_code: 'H1' }));
    assert.equal(refused.status, 409);
    assert.equal((await stored(t.tenantId, order.id)).status, 'on_hold');
    const ok = await t.seller('POST', `/orders/${order.id}/assign-hub`, { hub_code: 'H2' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.data.status, ok.body.data.hub_code], ['approved', 'H2']);
    assert.equal((await row(t.tenantId, 'H2', 'SKU-S'))!.reserved, 2);
    assert.equal((await row(t.tenantId, 'H1', 'SKU-S'))!.reserved, 0);
  });

  it('routing preview explains the decision without reserving', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1', ...RUH });
    const order = await routed(t.tenantId, await createOrder(t, [['SKU-P', 1]]));
    assert.equal(order.status, 'on_hold');
    await modules().stock.applyUpdate({ tenantId: t.tenantId, sellerId: 'nobody' }, { hub_code: 'H1', sku: 'SKU-P', delta: 3 }, 'p');
    for (const method of ['GET', 'POST']) {
      const res = await t.seller(method, `/orders/${order.id}/routing-preview`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.data.dry_run, true);
      assert.equal(res.body.data.chosen_hub, 'H1');
      assert.equal(res.body.data.outcome, 'approved');
      assert.equal(res.body.data.candidates.length, 1);
    }
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 0);
    assert.equal((await stored(t.tenantId, order.id)).status, 'on_hold');
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders/${order.id}/routing-preview`)).status, 401);
  });

  it('daily capacity is a hard limit: concurrent routings give a hub exactly its capacity, the rest go elsewhere or wait for capacity', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    await createHub(t.tenantId, { code: 'CAP', ...RUH, priority: 9, daily_capacity: 3 });
    await createHub(t.tenantId, { code: 'ALT', ...RUH, priority: 1 });
    await setStock(t, 'CAP', 'SKU-C', 50);
    await setStock(t, 'ALT', 'SKU-C', 2);
    const ids = await insertPending(t.tenantId, t.sellerId, 12, 'SKU-C');
    const outcomes = await Promise.allSettled(ids.map((id) => modules().routing.routeOrder(scope, id)));
    assert.deepEqual(outcomes.filter((o) => o.status === 'rejected'), []);
    const orders = await Promise.all(ids.map((id) => stored(t.tenantId, id)));
    const at = (hub: string) => orders.filter((o) => o.status === 'approved' && o.hub_code === hub).map((o) => o.id).sort();
    assert.equal(at('CAP').length, 3);
    assert.equal(at('ALT').length, 2);
    const held = orders.filter((o) => o.status === 'on_hold');
    assert.equal(held.length, 7);
    assert.deepEqual([...new Set(held.map((o) => o.hold_reason))], ['hub_capacity']);
    for (const o of held) {
      const cap = (o.routing!.candidates as any[]).find((c) => c.hub_code === 'CAP');
      assert.match(cap.rejected_because.join(), /at daily capacity \(3\/3\)/);
    }
    assert.deepEqual(await hubDay(t.tenantId, 'CAP'), { taken: 3, order_ids: at('CAP') });
    assert.equal((await row(t.tenantId, 'CAP', 'SKU-C'))!.reserved, 3);
    assert.deepEqual(await modules().checkCapacity(scope, { repair: false }), []);
  });

  it('an order takes one slot however often it is routed; cancel, reassignment and check-stock --repair give slots back', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    await createHub(t.tenantId, { code: 'CAP', ...RUH, priority: 9, daily_capacity: 2 });
    await createHub(t.tenantId, { code: 'ALT', ...RUH, priority: 1 });
    await setStock(t, 'CAP', 'SKU-D', 10);
    await setStock(t, 'ALT', 'SKU-D', 10);
    const cap = (await getStack().oms.container.tenancy.hubs.find(scope, 'CAP'))!;
    const [first, second, third] = await insertPending(t.tenantId, t.sellerId, 3, 'SKU-D');
    // A worker killed after taking the slot (twice: a redelivery killed at the same line).
    assert.equal(await modules().capacity.claim(scope, cap, first!), true);
    assert.equal(await modules().capacity.claim(scope, cap, first!), true);
    assert.deepEqual(await hubDay(t.tenantId, 'CAP'), { taken: 1, order_ids: [first!] });
    for (let i = 0; i < 2; i++) assert.equal((await modules().routing.routeOrder(scope, first!)).hub_code, 'CAP');
    assert.deepEqual(await hubDay(t.tenantId, 'CAP'), { taken: 1, order_ids: [first!] });
    assert.equal((await modules().routing.routeOrder(scope, second!)).hub_code, 'CAP');
    assert.equal((await modules().routing.routeOrder(scope, third!)).hub_code, 'ALT');
    assert.equal((await hubDay(t.tenantId, 'CAP')).taken, 2);

    const moved = await notBusy(() => t.seller('POST', `/orders/${second}/reassign-hub`, { hub_code: 'ALT', reason: 'CAP short of packers' }));
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(await hubDay(t.tenantId, 'CAP'), { taken: 1, order_ids: [first!] });
    const cancelled = await notBusy(() => t.seller('POST', `/orders/${first}/cancel`, { reason: 'buyer changed their mind' }));
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    await eventually('slot of the cancelled order freed', async () => (await hubDay(t.tenantId, 'CAP')).taken === 0);

    // A slot its order never came to claim (a routing killed after its slot; the order then went elsewhere).
    assert.equal(await modules().capacity.claim(scope, cap, third!), true);
    const found = await modules().checkCapacity(scope, { repair: false });
    assert.deepEqual(found.map((d) => [d.hub_code, d.order_id, d.kind]), [['CAP', third, 'orphan_slot']]);
    assert.equal((await hubDay(t.tenantId, 'CAP')).taken, 1);
    assert.deepEqual((await modules().checkCapacity(scope, { repair: true })).map((d) => d.repaired), [true]);
    assert.deepEqual(await hubDay(t.tenantId, 'CAP'), { taken: 0, order_ids: [] });
    assert.deepEqual(await modules().checkCapacity(scope, { repair: false }), []);
  });

  it('a busy hub day stays writable and exact: 200 concurrent claims on a capacity of 150 take 150 slots', async () => {
    const t = await createTenant();
    const scope = tenantScope(t.tenantId);
    await createHub(t.tenantId, { code: 'BUSY', daily_capacity: 150 });
    const hub = (await getStack().oms.container.tenancy.hubs.find(scope, 'BUSY'))!;
    // Long order ids: the day's id list grows past what a btree index entry could hold.
    const ids = Array.from({ length: 200 }, (_, i) => `ord_${String(i).padStart(3, '0')}_${'x'.repeat(24)}`);
    const claimed = await Promise.all(ids.map((id) => modules().capacity.claim(scope, hub, id)));
    assert.equal(claimed.filter(Boolean).length, 150);
    const day = await hubDay(t.tenantId, 'BUSY');
    assert.equal(day.taken, 150);
    assert.deepEqual(day.order_ids, ids.filter((_, i) => claimed[i]).sort());
  });
});
