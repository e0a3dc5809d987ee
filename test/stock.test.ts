import assert from 'node:assert/strict';
import { tenantScope, sellerScope } from '../core/domain/tenant-scope.js';
import { createHub, createTenant, eventually, http } from './support/api.js';
import { getStack } from './support/stack.js';
import { StockRepository } from '../core/inventory/stock.repository.js';
import { createOrder, holdsSum, modules, routed, row, setStock, stockRepo, uid } from './stock-support.js';

describe('stock: inventory API, listener, check-stock', () => {
  it('sets on_hand, lists by hub and SKU, and shows reserved/available', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await createHub(t.tenantId, { code: 'H2' });
    await setStock(t, 'H1', 'SKU-A', 5);
    await setStock(t, 'H2', 'SKU-A', 7);
    await setStock(t, 'H1', 'SKU-B', 1);
    const all = await t.seller('GET', '/inventory');
    assert.equal(all.status, 200);
    assert.equal(all.body.data.length, 3);
    const one = await t.seller('GET', '/inventory?hub_code=H2&sku=SKU-A');
    assert.deepEqual(one.body.data.map((r: any) => [r.hub_code, r.sku, r.on_hand, r.reserved, r.available]), [['H2', 'SKU-A', 7, 0, 7]]);
    await setStock(t, 'H2', 'SKU-A', 3);
    assert.equal((await row(t.tenantId, 'H2', 'SKU-A'))!.available, 3);
  });

  it('refuses bad stock input with 400 and field errors, writing nothing; another tenant is 404', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await createHub(t.tenantId, { code: 'H2' });
    await setStock(t, 'H1', 'SKU-A', 5);
    const cases: [string, string, unknown, string][] = [
      ['PUT', '/inventory', { hub_code: 'H1', sku: 'SKU-A', quantity: -1 }, 'quantity'],
      ['PUT', '/inventory', { hub_code: 'H1', sku: 'SKU-A', quantity: 1.5 }, 'quantity'],
      ['PUT', '/inventory', { hub_code: 'H1', sku: 'SKU-A', quantity: '3' }, 'quantity'],
      ['PUT', '/inventory', { hub_code: 'NOPE', sku: 'SKU-A', quantity: 3 }, 'hub_code'],
      ['PUT', '/inventory', { hub_code: 'H1', sku: 'bad sku!', quantity: 3 }, 'sku'],
      ['POST', '/stock-transfers', { from_hub_code: 'H1', to_hub_code: 'H2', sku: 'SKU-A', quantity: 0 }, 'quantity'],
      ['POST', '/stock-transfers', { from_hub_code: 'H1', to_hub_code: 'NOPE', sku: 'SKU-A', quantity: 1 }, 'to_hub_code'],
      ['POST', '/stock-transfers', { from_hub_code: 'H1', to_hub_code: 'H2', sku: 'SKU-UNKNOWN', quantity: 1 }, 'sku'],
      ['POST', '/stock-transfers', { from_hub_code: 'H1', to_hub_code: 'H1', sku: 'SKU-A', quantity: 1 }, 'to_hub_code'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await t.seller(method, path, body);
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)} -> ${res.status}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(res.body.error.details.some((d: any) => d.field === field), JSON.stringify(res.body.error.details));
    }
    const r = (await row(t.tenantId, 'H1', 'SKU-A'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available], [5, 0, 5]);
    assert.equal(await row(t.tenantId, 'H2', 'SKU-A'), null);
    assert.equal(await row(t.tenantId, 'NOPE', 'SKU-A'), null);
    const other = await createTenant();
    const cross = await http('GET', `/api/v1/sellers/${t.sellerId}/inventory`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    assert.equal(cross.status, 404);
    assert.deepEqual((await other.seller('GET', '/inventory')).body.data, []);
  });

  it('never sets on_hand below what is reserved (409 with the figures)', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-A', 5);
    const id = await createOrder(t, [['SKU-A', 3]]);
    assert.equal((await routed(t.tenantId, id)).status, 'approved');
    const res = await t.seller('PUT', '/inventory', { hub_code: 'H1', sku: 'SKU-A', quantity: 2 });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.details.reserved, 3);
    await setStock(t, 'H1', 'SKU-A', 3);
    const r = (await row(t.tenantId, 'H1', 'SKU-A'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available], [3, 3, 0]);
  });

  it('transfers available units between hubs once per idempotency key; never more than available', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await createHub(t.tenantId, { code: 'H2' });
    await setStock(t, 'H1', 'SKU-A', 5);
    const body = { from_hub_code: 'H1', to_hub_code: 'H2', sku: 'SKU-A', quantity: 2 };
    const first = await t.seller('POST', '/stock-transfers', body, { 'idempotency-key': 'xfer-1' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await t.seller('POST', '/stock-transfers', body, { 'idempotency-key': 'xfer-1' });
    assert.equal(again.status, 201);
    assert.equal((await row(t.tenantId, 'H1', 'SKU-A'))!.on_hand, 3);
    assert.equal((await row(t.tenantId, 'H2', 'SKU-A'))!.on_hand, 2);
    const tooMuch = await t.seller('POST', '/stock-transfers', { ...body, quantity: 4 });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'insufficient_stock');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-A'))!.on_hand, 3);
  });

  it('applies inventory_update messages: absolute and delta; a delta is applied once per message; bad ones are dead-lettered', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const queues = getStack().oms.container.platform.queues;
    const base = { event: 'inventory_update', tenant_id: t.tenantId, seller_id: t.sellerId, hub_code: 'H1', sku: 'SKU-Q' };
    await queues.send('inventory', { ...base, on_hand: 10 });
    await eventually('absolute update', async () => (await row(t.tenantId, 'H1', 'SKU-Q'))?.on_hand === 10);
    await queues.send('inventory', { ...base, delta: -4 });
    await eventually('delta update', async () => (await row(t.tenantId, 'H1', 'SKU-Q'))?.on_hand === 6);
    // A redelivered delta carries the same message id: applied once.
    const scope = sellerScope(t.tenantId, t.sellerId);
    await modules().stock.applyUpdate(scope, { hub_code: 'H1', sku: 'SKU-Q', delta: 5 }, 'msg-1');
    await modules().stock.applyUpdate(scope, { hub_code: 'H1', sku: 'SKU-Q', delta: 5 }, 'msg-1');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-Q'))!.on_hand, 11);
    await queues.send('inventory', { ...base, hub_code: 'NOPE', on_hand: 3 });
    await queues.send('inventory', { ...base, delta: 1.5 });
    await queues.send('inventory', { ...base, delta: -100 });
    const dlq = queues.dlqName('inventory');
    await eventually('bad inventory messages dead-lettered', async () => (await queues.depth(dlq)).visible >= 3);
    assert.equal((await row(t.tenantId, 'H1', 'SKU-Q'))!.on_hand, 11);
  });

  it('emits inventory.low_stock.v1 once when available falls under the threshold', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { low_stock_threshold: 3 }, headers: { 'x-internal-token': getStack().config.server.internal_token } });
    await setStock(t, 'H1', 'SKU-L', 4);
    await setStock(t, 'H1', 'SKU-L', 2);
    await setStock(t, 'H1', 'SKU-L', 1);
    const events = await eventually('low-stock event on pusher', async () => {
      const found = getStack().pusher.eventsFor(`private-seller-${t.sellerId}`).filter((e) => e.name === 'inventory.low_stock.v1');
      return found.length > 0 ? found : null;
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(getStack().pusher.eventsFor(`private-seller-${t.sellerId}`).filter((e) => e.name === 'inventory.low_stock.v1').length, 1);
    assert.equal((events[0]!.data as any).data.available, 2);
  });

  it('one hold per order and row: a repeated reserve for an order finds its hold, whatever other orders hold there', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-G', 10);
    const scope = tenantScope(t.tenantId);
    const [a, b] = [`ord_${uid()}`, `ord_${uid()}`];
    assert.equal((await stockRepo().reserve(scope, 'H1', 'SKU-G', { order_id: a, quantity: 2, at: 1 })).kind, 'reserved');
    assert.equal((await stockRepo().reserve(scope, 'H1', 'SKU-G', { order_id: b, quantity: 1, at: 2 })).kind, 'reserved');
    // With b's hold beside a's, a `'holds.order_id': {$ne: a}` guard let this through on FerretDB 1.x.
    const again = await Promise.all([1, 2, 3].map((n) => stockRepo().reserve(scope, 'H1', 'SKU-G', { order_id: a, quantity: 2, at: 2 + n })));
    assert.deepEqual(again.map((o) => o.kind), ['held', 'held', 'held']);
    const r = (await row(t.tenantId, 'H1', 'SKU-G'))!;
    assert.deepEqual([r.reserved, r.available, r.holds.length, holdsSum(r)], [3, 7, 2, 3]);
    assert.deepEqual(r.hold_order_ids, [a, b]);
    assert.notEqual(await stockRepo().release(scope, 'H1', 'SKU-G', { order_id: a, quantity: 2, at: 1 }), null);
    assert.deepEqual((await row(t.tenantId, 'H1', 'SKU-G'))!.hold_order_ids, [b]);
  });

  it('a row remembers its latest keyed adjustments, not every one ever made', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-K', 0);
    const scope = tenantScope(t.tenantId);
    const repo = new StockRepository(getStack().oms.container.platform.mongo.db, 5);
    for (let i = 0; i < 12; i++) assert.equal((await repo.adjust(scope, 'H1', 'SKU-K', 1, `k${i}`)).kind, 'applied');
    const r = (await row(t.tenantId, 'H1', 'SKU-K'))!;
    assert.equal(r.on_hand, 12);
    assert.ok(r.applied.length <= 6 && r.applied.includes('k11') && !r.applied.includes('k0'), r.applied.join());
    assert.equal((await repo.adjust(scope, 'H1', 'SKU-K', 1, 'k11')).kind, 'duplicate', 'a recent key is still recognised');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-K'))!.on_hand, 12);
  });

  it('check-stock finds injected drift and orphan holds, and --repair fixes them', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-D', 10);
    const id = await createOrder(t, [['SKU-D', 2]]);
    assert.equal((await routed(t.tenantId, id)).status, 'approved');
    const scope = tenantScope(t.tenantId);
    assert.equal((await modules().check.run(scope, { repair: false })).ok, true);
    // Drift: a counter bumped by hand, a hold of an order that does not exist (missing from the
    // hold index too), and a second hold for the live order (the double reservation shape).
    await stockRepo().rawUpdate(scope, 'H1', 'SKU-D', { $inc: { reserved: 3, available: 2 } });
    await stockRepo().rawUpdate(scope, 'H1', 'SKU-D', { $push: { holds: { order_id: `ord_${uid()}`, quantity: 1, at: 1 } }, $inc: { reserved: 1, available: -1 } });
    await stockRepo().rawUpdate(scope, 'H1', 'SKU-D', { $push: { holds: { order_id: id, quantity: 2, at: 2 }, hold_order_ids: id }, $inc: { reserved: 2, available: -2 } });
    const report = await modules().check.run(scope, { repair: false });
    assert.equal(report.ok, false);
    const kinds = report.differences.map((d) => d.kind).sort();
    for (const kind of ['orphan_hold', 'duplicate_hold', 'reserved_drift', 'available_drift', 'hold_index_drift']) assert.ok(kinds.includes(kind as never), `${kind} not in ${kinds.join()}`);
    const repaired = await modules().check.run(scope, { repair: true });
    assert.equal(repaired.ok, true, JSON.stringify(repaired.differences));
    const r = (await row(t.tenantId, 'H1', 'SKU-D'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available, holdsSum(r)], [10, 2, 8, 2]);
    assert.equal((await modules().check.run(scope, { repair: false })).differences.length, 0);
  });

  it("gives back what a cancelled order still holds (a routing that died after reserving), and leaves live orders' holds alone", async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-R', 10);
    const live = await createOrder(t, [['SKU-R', 2]]);
    assert.equal((await routed(t.tenantId, live)).status, 'approved');
    const gone = await createOrder(t, [['SKU-R', 1]]);
    assert.equal((await routed(t.tenantId, gone)).status, 'approved');
    const cancel = await t.seller('POST', `/orders/${gone}/cancel`, { reason: 'customer changed their mind' });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    const scope = tenantScope(t.tenantId);
    await eventually('the cancel gave its stock back', async () => ((await row(t.tenantId, 'H1', 'SKU-R'))!.reserved === 2 ? true : null));
    // What a routing of the cancelled order leaves when it dies between reserving and giving back:
    // a hold through the store's own reserve, and a slot of today's hub day.
    const hub = (await getStack().oms.container.tenancy.hubs.find(scope, 'H1'))!;
    assert.notEqual((await stockRepo().reserve(scope, 'H1', 'SKU-R', { order_id: gone, quantity: 3, at: Date.now() })).kind, 'short');
    assert.equal(await modules().capacity.claim(scope, { ...hub, daily_capacity: 100 }, gone), true);
    const before = await modules().check.run(scope, { repair: false });
    assert.ok(before.differences.some((d) => d.kind === 'orphan_hold' && d.order_id === gone), JSON.stringify(before.differences));

    assert.deepEqual(await modules().reaper.reap(scope), [gone]);
    const r = (await row(t.tenantId, 'H1', 'SKU-R'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available, holdsSum(r)], [10, 2, 8, 2], "the live order's hold stays");
    assert.equal((await modules().capacity.slotsToday(scope)).has(gone), false);
    assert.equal((await modules().check.run(scope, { repair: false })).ok, true);
    assert.equal((await modules().checkCapacity(scope, { repair: false })).length, 0);
    assert.deepEqual(await modules().reaper.reap(scope), [], 'nothing left to give back');
  });
});
