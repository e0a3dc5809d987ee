import assert from 'node:assert/strict';
import { createTenant, http, internalHeaders, pastBusy, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { orderLockKey } from '../core/platform/locker.js';
import { countOrders, moveOrder, orderBody, settled, storedOrder, uid } from './orders-support.js';
import { createHub } from './support/api.js';

async function create(t: TestTenant, body = orderBody(), headers?: Record<string, string>) {
  const res = await t.seller('POST', '/orders', body, headers);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

/** Created and routed (a tenant without hubs: on_hold for no_serviceable_hub). */
async function createSettled(t: TestTenant, body = orderBody()) {
  const created = await create(t, body);
  const order = await settled(t.tenantId, created.id);
  return { ...created, status: order.status, version: order.version, hold_reason: order.hold_reason };
}

describe('orders API: create, read, list', () => {
  it('creates a pending order with a tenant order number, a timeline, and the same through the internal route', async () => {
    const t = await createTenant();
    const body = orderBody();
    const order = await create(t, body);
    assert.match(order.id, /^ord_/);
    assert.equal(order.status, 'pending');
    assert.equal(order.order_id, body.order_id);
    assert.equal(order.seller_id, t.sellerId);
    assert.equal(order.version, 1);
    assert.ok(Number.isInteger(order.order_number) && order.order_number >= 1);
    assert.deepEqual(order.sales_channel, body.sales_channel);
    assert.equal(order.customer.email, 'aisha@example.com');
    assert.equal(order.shipping_address.line2, null);
    const internal = await t.internal('POST', '/orders', orderBody());
    assert.equal(internal.status, 201);
    assert.ok(internal.body.data.order_number > order.order_number, 'the per-tenant sequence goes up');
    const got = await t.seller('GET', `/orders/${order.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual({ ...got.body.data, status: 'pending', hold_reason: null, version: 1, updated_at: null, routing: null }, { ...order, updated_at: null, routing: null });
    const routed = await settled(t.tenantId, order.id);
    assert.deepEqual([routed.status, routed.hold_reason], ['on_hold', 'no_serviceable_hub'], 'the new order went to routing');
    const timeline = await t.seller('GET', `/orders/${order.id}/timeline`);
    assert.equal(timeline.status, 200);
    assert.equal(timeline.body.data[0].kind, 'created');
    assert.equal(timeline.body.data[0].to, 'pending');
    assert.equal(timeline.body.data[0].actor, 'seller');
    const viaInternal = await t.internal('GET', `/orders/${order.id}/timeline`);
    assert.equal(viaInternal.body.data[0].kind, 'created');
  });

  it('refuses bad input with 400 naming every field, and writes nothing', async () => {
    const t = await createTenant();
    const bad = orderBody({
      order_id: '',
      order_items: [{ seller_sku_code: 'S', quantity: 0, unit_price: -1 }],
      customer: { name: '', email: 'not-an-email' },
      shipping_address: { line1: 'x', city: 'Riyadh', country: 'Saudi' },
      payment: { method: 'card', status: 'pending', currency: 'SAR', total: 1 },
      extra: true,
    });
    const res = await t.seller('POST', '/orders', bad);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'validation_failed');
    const fields = new Set(res.body.error.details.map((d: { field: string }) => d.field));
    for (const f of ['order_id', 'order_items.0.quantity', 'order_items.0.unit_price', 'customer.name', 'customer.email', 'shipping_address.country', 'payment.method']) {
      assert.ok(fields.has(f), `expected a field error for ${f}: ${[...fields].join(', ')}`);
    }
    assert.equal(await countOrders(t.tenantId), 0);
    assert.equal((await t.seller('POST', '/orders', { ...orderBody(), order_items: [] })).status, 400);
    assert.equal(await countOrders(t.tenantId), 0);
  });

  it('answers 401 without a key and 404 for a missing order on every route', async () => {
    const t = await createTenant();
    const none = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { body: orderBody() });
    assert.equal(none.status, 401);
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders`)).status, 401);
    assert.equal((await http('GET', `/internal/api/v1/sellers/${t.sellerId}/orders`, { headers: { 'x-tenant-id': t.tenantId } })).status, 401);
    for (const [method, path, body] of orderRoutes('ord_missing')) {
      const res = await t.seller(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'order_not_found');
    }
  });

  it('keeps order_id unique per seller: 409 with the existing id; the same Idempotency-Key replays the first answer', async () => {
    const t = await createTenant();
    const body = orderBody();
    const first = await create(t, body);
    const dup = await t.seller('POST', '/orders', { ...body, sales_channel: { name: 'shopify', order_id: uid() } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'order_already_exists');
    assert.equal(dup.body.error.details.id, first.id);
    const sameChannelOrder = await t.seller('POST', '/orders', { ...orderBody(), sales_channel: body.sales_channel });
    assert.equal(sameChannelOrder.status, 409, 'one channel order never becomes two orders');

    const keyed = orderBody();
    const key = uid('key-');
    const a = await t.seller('POST', '/orders', keyed, { 'idempotency-key': key });
    assert.equal(a.status, 201);
    const reordered = Object.fromEntries(Object.entries(keyed).reverse());
    const b = await t.seller('POST', '/orders', reordered, { 'idempotency-key': key });
    assert.equal(b.status, 201);
    assert.deepEqual(b.body, a.body);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    const c = await t.seller('POST', '/orders', { ...keyed, customer: { name: 'Someone Else' } }, { 'idempotency-key': key });
    assert.equal(c.status, 422);
    assert.equal(c.body.error.code, 'idempotency_key_reused');
    assert.equal(await countOrders(t.tenantId), 2);
  });

  it('lists newest first with filters, text search, paging and meta.total', async () => {
    const t = await createTenant();
    const o1 = await createSettled(t, orderBody({ customer: { name: 'Omar Farouk', email: 'omar@example.com', phone: '+966511111111' } }));
    const o2 = await createSettled(t, orderBody({ sales_channel: { name: 'woocommerce', order_id: uid() } }));
    const o3 = await createSettled(t, orderBody({ sales_channel: null }));
    await moveOrder(t.tenantId, o3.id, 'approved', 'system');

    const all = await t.seller('GET', '/orders');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.data.map((o: { id: string }) => o.id), [o3.id, o2.id, o1.id]);
    assert.deepEqual(all.body.meta, { page: 1, per_page: 20, total: 3 });

    const ids = async (query: string) => (await t.seller('GET', `/orders?${query}`)).body.data.map((o: { id: string }) => o.id);
    assert.deepEqual(await ids('status=approved'), [o3.id]);
    assert.deepEqual(await ids('status=on_hold'), [o2.id, o1.id]);
    assert.deepEqual(await ids('status=pending'), []);
    assert.deepEqual(await ids('sales_channel=woocommerce'), [o2.id]);
    assert.deepEqual(await ids('q=omar'), [o1.id]);
    assert.deepEqual(await ids('q=Omar%20Farouk'), [o1.id]);
    assert.deepEqual(await ids('q=omar%40example.com'), [o1.id]);
    assert.deepEqual(await ids('q=966511111111'), [o1.id]);
    assert.deepEqual(await ids(`q=${o2.order_id}`), [o2.id]);
    assert.deepEqual(await ids('hub_code=NOPE'), []);
    assert.deepEqual(await ids(`created_from=${encodeURIComponent(o2.created_at)}`), [o3.id, o2.id]);
    assert.deepEqual(await ids(`created_to=${encodeURIComponent(o2.created_at)}`), [o2.id, o1.id]);
    const page2 = await t.seller('GET', '/orders?page=2&per_page=2');
    assert.deepEqual(page2.body.data.map((o: { id: string }) => o.id), [o1.id]);
    assert.deepEqual(page2.body.meta, { page: 2, per_page: 2, total: 3 });

    const bad = await t.seller('GET', '/orders?status=lost&per_page=0&created_from=yesterday');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { field: string }) => d.field).sort(), ['query.created_from', 'query.per_page', 'query.status']);
  });

  it("answers another tenant's seller with 404 on every order route, exactly as a missing order", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const order = await createSettled(a);
    for (const [method, path, body] of orderRoutes(order.id)) {
      const theirs = await b.seller(method, path, body);
      const missing = await b.seller(method, path.replace(order.id, 'ord_doesnotexist'), body);
      assert.equal(theirs.status, 404, `${method} ${path}`);
      assert.equal(theirs.body.error.code, missing.body.error.code);
      // b's key on a's seller path, and b's tenant on the internal route: 404 too
      const cross = await http(method, `/api/v1/sellers/${a.sellerId}${path}`, { body, headers: { authorization: `Bearer ${b.apiKey}` } });
      assert.equal(cross.status, 404);
      const internal = await http(method, `/internal/api/v1/sellers/${a.sellerId}${path}`, { body, headers: internalHeaders(b.tenantId) });
      assert.equal(internal.status, 404);
    }
    const list = await b.seller('GET', '/orders');
    assert.deepEqual(list.body.data, []);
    const after = await storedOrder(a.tenantId, order.id);
    assert.equal(after?.version, order.version, 'nothing was changed by the other tenant');
  });
});

describe('orders API: edit, approve, cancel', () => {
  it('edits customer details and shipping address with a timeline entry and an event; items only before approval', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    const edited = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'customer_details', customer: { phone: '+966522222222' } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.data.customer.phone, '+966522222222');
    assert.equal(edited.body.data.customer.name, 'Aisha Khan');
    assert.equal(edited.body.data.version, order.version + 1);
    assert.deepEqual((await t.seller('GET', '/orders?q=966522222222')).body.data.map((o: { id: string }) => o.id), [order.id]);

    const moved = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'shipping_address', shipping_address: { city: 'Jeddah', line1: 'Tahlia St 5' } });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.data.shipping_address.city, 'Jeddah');
    assert.equal(moved.body.data.shipping_address.postal_code, '12211');

    const items = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'order_items', order_items: [{ seller_sku_code: 'SKU-9', quantity: 3, unit_price: 1 }] });
    assert.equal(items.status, 200);
    assert.deepEqual(items.body.data.order_items, [{ seller_sku_code: 'SKU-9', quantity: 3, unit_price: 1, sales_channel_order_item_id: null }]);

    const timeline = (await t.seller('GET', `/orders/${order.id}/timeline`)).body.data;
    const edits = timeline.filter((e: { kind: string }) => e.kind === 'edited');
    assert.equal(timeline[0].kind, 'created');
    assert.equal(edits.length, 3);
    assert.deepEqual(edits[0].details.fields, ['customer.phone']);
    assert.equal(edits[0].actor, 'seller');

    await moveOrder(t.tenantId, order.id, 'approved', 'system');
    const late = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'order_items', order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 1 }] });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'edit_not_allowed');
    await moveOrder(t.tenantId, order.id, 'shipped', 'wms', { allowSkip: true });
    const address = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'shipping_address', shipping_address: { city: 'Dammam' } });
    assert.equal(address.status, 409);
    assert.equal(address.body.error.code, 'edit_not_allowed');
    assert.equal((await storedOrder(t.tenantId, order.id))?.shipping_address.city, 'Jeddah');
  });

  it('validates edits field by field and writes nothing', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    for (const body of [
      { edit_type: 'colour' },
      { edit_type: 'customer_details', customer: { email: 'nope' } },
      { edit_type: 'customer_details', customer: {} },
      { edit_type: 'shipping_address', shipping_address: { country: 'Saudi Arabia' } },
      { edit_type: 'order_items', order_items: [] },
    ]) {
      const res = await t.seller('PUT', `/orders/${order.id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(res.body.error.details.length > 0);
    }
    assert.equal((await storedOrder(t.tenantId, order.id))?.version, order.version);
  });

  it('lets exactly one of two concurrent edits win: the other gets 409 order_in_progress at once', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    const { locker } = getStack().oms.container.platform;
    // Another editor holds the order: a second caller is refused at once, nothing is written.
    let inside: { status: number; body: any } | null = null;
    await locker.withLock(orderLockKey(t.tenantId, order.id), async () => {
      inside = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'customer_details', customer: { name: 'Second Editor' } });
    });
    assert.equal(inside!.status, 409);
    assert.equal(inside!.body.error.code, 'order_in_progress');
    assert.equal((await storedOrder(t.tenantId, order.id))?.customer.name, 'Aisha Khan');

    // Racing editors through the API: every answer is a win or order_in_progress, and no win is lost.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.seller('PUT', `/orders/${order.id}`, { edit_type: 'customer_details', customer: { name: `Editor ${i}` } })),
    );
    const wins = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 409);
    assert.equal(wins.length + busy.length, 8);
    assert.ok(wins.length >= 1);
    for (const r of busy) assert.equal(r.body.error.code, 'order_in_progress');
    const stored = await storedOrder(t.tenantId, order.id);
    assert.equal(stored?.version, order.version + wins.length, 'every win is one version: no lost update');
  });

  it('approves a manual-review hold by reserving its stock first, and refuses approving twice', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    for (const sku of ['SKU-1', 'SKU-2']) assert.equal((await t.seller('PUT', '/inventory', { hub_code: 'H1', sku, quantity: 10 })).status, 200);
    // Auto-approval off: routing holds the order for review and reserves nothing.
    await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { auto_approval: false }, headers: internalHeaders() });
    const order = await createSettled(t);
    assert.equal(order.hold_reason, 'manual_review');
    const ok = await approveAsClient(t, order.id);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.data.status, 'approved');
    assert.equal(ok.body.data.hold_reason, null);
    assert.equal(ok.body.data.hub_code, 'H1', 'an approved order holds its stock at a hub');
    const again = await t.seller('POST', `/orders/${order.id}/approve`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'invalid_transition');
    const last = (await t.seller('GET', `/orders/${order.id}/timeline`)).body.data.filter((e: any) => e.kind === 'status_changed').at(-1);
    assert.deepEqual([last.from, last.to, last.actor], ['on_hold', 'approved', 'seller']);
  });

  it('approves an order held for stock through routing, which reserves it at a hub', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    assert.equal(order.hold_reason, 'no_serviceable_hub');
    await createHub(t.tenantId, { code: 'H1' });
    for (const sku of ['SKU-1', 'SKU-2']) {
      const stock = await t.seller('PUT', '/inventory', { hub_code: 'H1', sku, quantity: 10 });
      assert.equal(stock.status, 200, JSON.stringify(stock.body));
    }
    // The stock increase also queues an approve-on-hold sweep, which may get there first.
    const res = await approveAsClient(t, order.id);
    assert.ok(res.status === 200 || res.body.error?.code === 'invalid_transition', JSON.stringify(res.body));
    const after = (await t.seller('GET', `/orders/${order.id}`)).body.data;
    assert.equal(after.status, 'approved');
    assert.equal(after.hub_code, 'H1');
  });

  it('cancels with a reason, records it on the timeline, and refuses cancelling after picking or twice', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    const noReason = await t.seller('POST', `/orders/${order.id}/cancel`, {});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error.details[0].field, 'reason');
    const res = await t.seller('POST', `/orders/${order.id}/cancel`, { reason: 'customer changed their mind' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.status, 'cancelled');
    const last = (await t.seller('GET', `/orders/${order.id}/timeline`)).body.data.at(-1);
    assert.deepEqual([last.from, last.to, last.reason], ['on_hold', 'cancelled', 'customer changed their mind']);
    for (const action of ['cancel', 'approve']) {
      const again = await t.seller('POST', `/orders/${order.id}/${action}`, action === 'cancel' ? { reason: 'x' } : undefined);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'invalid_transition');
    }
    const picked = await createSettled(t);
    await moveOrder(t.tenantId, picked.id, 'approved', 'system');
    await moveOrder(t.tenantId, picked.id, 'picked', 'wms', { allowSkip: true });
    const late = await t.seller('POST', `/orders/${picked.id}/cancel`, { reason: 'too late' });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'invalid_transition');
    assert.equal((await storedOrder(t.tenantId, picked.id))?.status, 'picked');
  });

  it('refuses every disallowed seller move through the API: approve and cancel from each later status', async () => {
    const t = await createTenant();
    const order = await createSettled(t);
    await moveOrder(t.tenantId, order.id, 'approved', 'system');
    await moveOrder(t.tenantId, order.id, 'picking', 'wms');
    assert.equal((await t.seller('POST', `/orders/${order.id}/approve`)).status, 409, 'approve from picking');
    const later: [string, 'wms' | 'courier'][] = [['picked', 'wms'], ['packing', 'wms'], ['packed', 'wms'], ['shipped', 'wms'], ['delivered', 'courier']];
    for (const [status, actor] of later) {
      await moveOrder(t.tenantId, order.id, status as never, actor);
      for (const action of ['approve', 'cancel']) {
        const res = await t.seller('POST', `/orders/${order.id}/${action}`, action === 'cancel' ? { reason: 'x' } : undefined);
        assert.equal(res.status, 409, `${action} from ${status}`);
        assert.equal(res.body.error.code, 'invalid_transition');
      }
    }
    assert.equal((await storedOrder(t.tenantId, order.id))?.status, 'delivered');
  });
});

function orderRoutes(id: string): [string, string, unknown][] {
  return [
    ['GET', `/orders/${id}`, undefined],
    ['GET', `/orders/${id}/timeline`, undefined],
    ['PUT', `/orders/${id}`, { edit_type: 'customer_details', customer: { name: 'X' } }],
    ['POST', `/orders/${id}/approve`, undefined],
    ['POST', `/orders/${id}/cancel`, { reason: 'x' }],
  ];
}

/** Approves as a client would: a 409 order_in_progress (routing or a sweep holds the lock) is retried. */
async function approveAsClient(t: TestTenant, id: string) {
  return pastBusy('approve', () => t.seller('POST', `/orders/${id}/approve`));
}
