import assert from 'node:assert/strict';
import type { Order } from '../core/domain/order.js';
import { CarrierSimulator } from '../external-service/courier/carrier-simulator.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { createTenant, eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { ensureIndexes } from '../core/platform/mongo.js';
import { SHIPMENT_INDEXES } from '../core/shipment/shipment.repository.js';
import { INVOICE_INDEXES } from '../core/invoice/invoice.repository.js';
import { wmsSimulator } from '../core/fulfillment/wms-simulator.js';
import { orderRepo } from './orders-support.js';
import { courier, deadLettered, orderBody, readOrder, sendWms, stockRow, stockedHub, untilStatus } from './fulfilment.fixtures.js';

/** Split fulfilment (issue 16 part 1, docs/adr/0020), through the API on the test stack. */

async function policy(t: TestTenant, fulfilment: Record<string, unknown>) {
  const res = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { fulfilment }, headers: internalHeaders(t.tenantId) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** A tenant whose two lines sit only at two different hubs (A at H1, B at H2). */
async function twoHubTenant(fulfilment: Record<string, unknown> | null): Promise<TestTenant> {
  const t = await createTenant();
  await stockedHub(t, 'H1', { 'SKU-A': 5 });
  await stockedHub(t, 'H2', { 'SKU-B': 5 });
  if (fulfilment) await policy(t, fulfilment);
  return t;
}

async function createOrder(t: TestTenant, items = [{ sku: 'SKU-A', quantity: 2 }, { sku: 'SKU-B', quantity: 1 }]): Promise<string> {
  const res = await t.seller('POST', '/orders', orderBody(items));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

function untilPart(t: TestTenant, id: string, fulfilmentId: string, status: string): Promise<Order> {
  return eventually(`${fulfilmentId} ${status}`, async () => {
    const o = await readOrder(t, id);
    return o.fulfilments?.find((f) => f.fulfilment_id === fulfilmentId)?.status === status ? o : null;
  });
}

async function checkStock(t: TestTenant) {
  return getStack().oms.container.stockRouting.check.run(tenantScope(t.tenantId), { repair: false });
}

describe('split fulfilment: one order, parts at several hubs', () => {
  it('validates the policy setting and defaults to single_hub', async () => {
    const t = await createTenant();
    const current = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders(t.tenantId) });
    assert.deepEqual(current.body.data.fulfilment, { policy: 'single_hub', max_parts: 2 });
    for (const bad of [{ policy: 'any_hub' }, { max_parts: 1 }, { max_parts: 11 }, { max_parts: 2.5 }, { policy: 'split_allowed', extra: true }]) {
      const res = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { fulfilment: bad }, headers: internalHeaders(t.tenantId) });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    const after = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders(t.tenantId) });
    assert.deepEqual(after.body.data.fulfilment, { policy: 'single_hub', max_parts: 2 }, 'a refused setting wrote nothing');
    assert.deepEqual((await policy(t, { policy: 'split_by_line', max_parts: 3 })).fulfilment, { policy: 'split_by_line', max_parts: 3 });
  });

  it('holds the order under single_hub when no hub has both lines', async () => {
    const t = await twoHubTenant(null);
    const id = await createOrder(t);
    const held = await untilStatus(t, id, 'on_hold');
    assert.equal(held.hold_reason, 'insufficient_inventory');
    assert.equal(held.fulfilments ?? null, null);
    assert.equal((await stockRow(t, 'H1', 'SKU-A')).reserved, 0);
    assert.equal((await stockRow(t, 'H2', 'SKU-B')).reserved, 0);
  });

  it('approves it as two parts under split_allowed; each part ships and is delivered on its own events; delivered when both are', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const parts = approved.fulfilments!;
    assert.deepEqual(
      parts.map((f) => [f.fulfilment_id, f.hub_code, f.lines, f.status]),
      [
        [`${id}-F1`, 'H1', [{ sku: 'SKU-A', quantity: 2 }], 'approved'],
        [`${id}-F2`, 'H2', [{ sku: 'SKU-B', quantity: 1 }], 'approved'],
      ].sort((a, b) => (a[1] as string).localeCompare(b[1] as string)).map((p, i) => [`${id}-F${i + 1}`, ...p.slice(1)]),
    );
    assert.match(parts[0]!.why, /split over 2 hubs/);
    const routing = approved.routing as { split: { parts: { hub_code: string; why: string }[] }; chosen_hubs: string[] };
    assert.deepEqual(routing.chosen_hubs.sort(), ['H1', 'H2']);
    assert.equal(routing.split.parts.length, 2);
    assert.equal(approved.timeline.filter((e) => e.kind === 'fulfilment_routed').length, 2);
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 5, reserved: 2, available: 3 });
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 5, reserved: 1, available: 4 });
    assert.ok((await checkStock(t)).ok, 'check-stock counts both parts\' holds');

    // The API shows both parts; a single-hub field set stays as it was.
    const view = (await t.seller('GET', `/orders/${id}`)).body.data;
    assert.equal(view.fulfilments.length, 2);
    assert.equal(view.hub_code, parts[0]!.hub_code);

    const [p1, p2] = [parts.find((p) => p.hub_code === 'H1')!, parts.find((p) => p.hub_code === 'H2')!];
    await sendWms(t, id, 'packed', { fulfilment_id: p1.fulfilment_id });
    await untilPart(t, id, p1.fulfilment_id, 'packed');
    assert.equal((await readOrder(t, id)).status, 'approved', 'the order is where its least advanced part is');
    await sendWms(t, id, 'shipped', { fulfilment_id: p1.fulfilment_id, shipment: { awb: `AWB1${Date.now()}`, courier: 'aramex' } });
    const partly = await untilStatus(t, id, 'partially_shipped');
    // The dashboard counts parts: one split order, a part per hub, one shipped and one not.
    const dash = (await t.aggregator('GET', '/dashboard')).body.data;
    assert.equal(dash.by_status.partially_shipped, 1);
    assert.deepEqual(dash.fulfilments, { split_orders: 1, parts: 2, by_hub: { H1: 1, H2: 1 }, by_status: { shipped: 1, approved: 1 } });
    assert.equal(dash.late.count, 0);
    assert.equal(partly.fulfilments!.find((f) => f.fulfilment_id === p1.fulfilment_id)!.shipment?.courier, 'aramex');
    // The shipped part's units left H1; H2's part still holds its unit.
    await eventually('H1 stock consumed', async () => ((await stockRow(t, 'H1', 'SKU-A')).on_hand === 3 ? true : null));
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 3, reserved: 0, available: 3 });
    assert.equal((await stockRow(t, 'H2', 'SKU-B')).reserved, 1);
    assert.ok((await checkStock(t)).ok, 'check-stock: the unshipped part still holds, the shipped one does not');

    await sendWms(t, id, 'delivered', { fulfilment_id: p1.fulfilment_id });
    await untilPart(t, id, p1.fulfilment_id, 'delivered');
    assert.equal((await readOrder(t, id)).status, 'partially_shipped');
    await sendWms(t, id, 'shipped', { fulfilment_id: p2.fulfilment_id });
    await untilStatus(t, id, 'shipped');
    await sendWms(t, id, 'delivered', { fulfilment_id: p2.fulfilment_id });
    const done = await untilStatus(t, id, 'delivered');
    assert.deepEqual(done.fulfilments!.map((f) => f.status), ['delivered', 'delivered']);
    assert.deepEqual(
      done.timeline.filter((e) => e.kind === 'status_changed').map((e) => `${e.from}->${e.to}`),
      ['pending->approved', 'approved->partially_shipped', 'partially_shipped->shipped', 'shipped->delivered'],
    );
    const partEntries = done.timeline.filter((e) => e.kind === 'fulfilment_status_changed');
    assert.equal(partEntries.length, 5);
    assert.ok(partEntries.every((e) => typeof e.details?.fulfilment_id === 'string'), 'timeline entries name the part');
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 4, reserved: 0, available: 4 });
    assert.ok((await checkStock(t)).ok);
  });

  it('gives each part its own shipment: signed courier webhooks for a part\'s AWB move that part only, and the order follows', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const [p1, p2] = [approved.fulfilments!.find((p) => p.hub_code === 'H1')!, approved.fulfilments!.find((p) => p.hub_code === 'H2')!];
    const [awb1, awb2] = [`AWBP1${Date.now()}`, `AWBP2${Date.now()}`];
    await sendWms(t, id, 'shipped', { fulfilment_id: p1.fulfilment_id, shipment: { awb: awb1, courier: 'aramex' } });
    await untilPart(t, id, p1.fulfilment_id, 'shipped');
    await sendWms(t, id, 'shipped', { fulfilment_id: p2.fulfilment_id, shipment: { awb: awb2, courier: 'smsa' } });
    const shipped = await untilStatus(t, id, 'shipped');
    const ref = (fid: string) => shipped.fulfilments!.find((f) => f.fulfilment_id === fid)!.shipment!;
    const [s1, s2] = [ref(p1.fulfilment_id), ref(p2.fulfilment_id)];
    assert.ok(s1.shipment_id && s2.shipment_id && s1.shipment_id !== s2.shipment_id, 'each part has its own shipment record');
    assert.deepEqual(shipped.shipment, s1, 'the order\'s shipment is its first part\'s');
    for (const [s, fid, waybill] of [[s1, p1.fulfilment_id, awb1], [s2, p2.fulfilment_id, awb2]] as const) {
      const view = (await t.seller('GET', `/shipments/${s.shipment_id}`)).body.data;
      assert.deepEqual([view.order_id, view.fulfilment_id, view.awb, view.status], [id, fid, waybill, 'created']);
    }

    // Part 2's scans (by AWB) move part 2 and its shipment only.
    const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    assert.equal((await courier(awb2, { status: 'IN_TRANSIT', timestamp: at(30) })).status, 200);
    assert.equal((await courier(awb2, { status: 'OUT_FOR_DELIVERY', timestamp: at(20) })).body.data.status, 'in_transit');
    const failed = await courier(awb2, { status: 'FAILED', timestamp: at(10) });
    assert.equal(failed.status, 200, JSON.stringify(failed.body));
    assert.equal(failed.body.data.fulfilment_id, p2.fulfilment_id);
    const afterFail = await untilStatus(t, id, 'delivery_failed');
    assert.deepEqual(afterFail.fulfilments!.map((f) => [f.hub_code, f.status]).sort(), [['H1', 'shipped'], ['H2', 'delivery_failed']]);
    assert.equal((await t.seller('GET', `/shipments/${s1.shipment_id}`)).body.data.status, 'created', 'part 1\'s shipment untouched');
    assert.equal((await t.seller('GET', `/shipments/${s2.shipment_id}`)).body.data.status, 'failed');

    // Each part delivered by its own signed webhook: part 2 by AWB (re-attempt), part 1 by shipment id.
    assert.equal((await courier(awb2, { status: 'DELIVERED', timestamp: at(5) })).status, 200);
    const oneDelivered = await untilPart(t, id, p2.fulfilment_id, 'delivered');
    assert.equal(oneDelivered.status, 'shipped', 'delivered only when every part is');
    // A forged signature for part 1 is refused and moves nothing.
    assert.equal((await courier(s1.shipment_id!, { status: 'DELIVERED', timestamp: at(1) }, 'b'.repeat(64))).status, 401);
    assert.equal((await readOrder(t, id)).version, oneDelivered.version);
    assert.equal((await courier(s1.shipment_id!, { status: 'DELIVERED', timestamp: at(1) })).status, 200);
    const done = await untilStatus(t, id, 'delivered');
    assert.deepEqual(done.fulfilments!.map((f) => f.status), ['delivered', 'delivered']);
    assert.deepEqual(
      done.timeline.filter((e) => e.kind === 'status_changed').map((e) => `${e.from}->${e.to}`),
      ['pending->approved', 'approved->partially_shipped', 'partially_shipped->shipped', 'shipped->delivery_failed', 'delivery_failed->shipped', 'shipped->delivered'],
    );
    const scans = done.timeline.filter((e) => e.details?.courier_status);
    assert.equal(scans.length, 5);
    assert.ok(scans.every((e) => e.details?.fulfilment_id === (e.details?.shipment_id === s1.shipment_id ? p1.fulfilment_id : p2.fulfilment_id)), 'each scan names its part');
    assert.equal((await t.seller('GET', `/shipments/${s2.shipment_id}`)).body.data.tracking.length, 4);
    assert.equal((await t.seller('GET', `/shipments/${s1.shipment_id}`)).body.data.status, 'delivered');
  });

  it('migrates a database with the old one-shipment (and one-invoice) per order indexes: replaced by name at start, idempotently', async () => {
    const { mongo } = getStack().oms.container.platform;
    const db = mongo.client.db(`oms_migrate_${Date.now()}`);
    try {
      const shipments = db.collection('shipments');
      await shipments.createIndex({ tenant_id: 1, order_id: 1 }, { name: 'tenant_order', unique: true });
      await shipments.insertOne({ _id: 'shp_old' as never, tenant_id: 'T', order_id: 'O1', fulfilment_id: null, awb: 'A0' });
      for (let start = 0; start < 2; start++) {
        await ensureIndexes(db, SHIPMENT_INDEXES, { multikeyIndexes: mongo.multikeyIndexes });
        const names = (await shipments.listIndexes().toArray()).map((i) => i.name as string).sort();
        assert.deepEqual(names, ['_id_', 'tenant_awb', 'tenant_order_fulfilment', 'tenant_seller_created']);
      }
      // Still one shipment per single-hub order (no part), and now one per part of a split order.
      await assert.rejects(shipments.insertOne({ _id: 'shp_dup' as never, tenant_id: 'T', order_id: 'O1', fulfilment_id: null, awb: 'A1' }), (err: { code?: number }) => err.code === 11000);
      await shipments.insertOne({ _id: 'shp_p1' as never, tenant_id: 'T', order_id: 'O2', fulfilment_id: 'O2-F1', awb: 'A2' });
      await shipments.insertOne({ _id: 'shp_p2' as never, tenant_id: 'T', order_id: 'O2', fulfilment_id: 'O2-F2', awb: 'A3' });
      await assert.rejects(shipments.insertOne({ _id: 'shp_p2b' as never, tenant_id: 'T', order_id: 'O2', fulfilment_id: 'O2-F2', awb: 'A4' }), (err: { code?: number }) => err.code === 11000);
      // Invoices likewise (one per order, or one per part).
      await db.collection('invoices').createIndex({ tenant_id: 1, order_id: 1 }, { name: 'tenant_order', unique: true });
      await ensureIndexes(db, INVOICE_INDEXES, { multikeyIndexes: mongo.multikeyIndexes });
      await ensureIndexes(db, INVOICE_INDEXES, { multikeyIndexes: mongo.multikeyIndexes });
      assert.deepEqual((await db.collection('invoices').listIndexes().toArray()).map((i) => i.name as string).sort(), ['_id_', 'tenant_number', 'tenant_order_fulfilment', 'tenant_seller_invoice_number']);
    } finally {
      await db.dropDatabase();
    }
  });

  it('invoices each part on its own when it ships under invoicing.per = fulfilment; the order\'s invoice_number stays the first', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    for (const bad of [{ per: 'line' }, { per: 'order', extra: 1 }]) {
      const res = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { invoicing: bad }, headers: internalHeaders(t.tenantId) });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    const defaults = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders(t.tenantId) });
    assert.deepEqual(defaults.body.data.invoicing, { per: 'order' }, 'defaults to one invoice per order; a refused setting wrote nothing');
    const set = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { invoicing: { per: 'fulfilment' } }, headers: internalHeaders(t.tenantId) });
    assert.deepEqual(set.body.data.invoicing, { per: 'fulfilment' });

    const res = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-A', quantity: 2, unit_price: 10 }, { sku: 'SKU-B', quantity: 1, unit_price: 40 }]));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.data.id as string;
    const approved = await untilStatus(t, id, 'approved');
    const [p1, p2] = [approved.fulfilments!.find((p) => p.hub_code === 'H1')!, approved.fulfilments!.find((p) => p.hub_code === 'H2')!];
    await sendWms(t, id, 'packed', { fulfilment_id: p1.fulfilment_id });
    await untilPart(t, id, p1.fulfilment_id, 'packed');
    assert.equal((await readOrder(t, id)).invoice_number, null, 'not invoiced before it ships');

    await sendWms(t, id, 'shipped', { fulfilment_id: p1.fulfilment_id });
    const first = await eventually('part 1 invoiced', async () => {
      const o = await readOrder(t, id);
      return o.fulfilments!.find((f) => f.fulfilment_id === p1.fulfilment_id)?.invoice_number ? o : null;
    });
    const n1 = first.fulfilments!.find((f) => f.fulfilment_id === p1.fulfilment_id)!.invoice_number!;
    assert.equal(first.invoice_number, n1, 'the order\'s invoice_number is the first part\'s');
    assert.equal(first.fulfilments!.find((f) => f.fulfilment_id === p2.fulfilment_id)!.invoice_number ?? null, null, 'the unshipped part has none');
    const inv1 = (await t.seller('GET', `/invoices/${n1}`)).body.data;
    assert.deepEqual([inv1.fulfilment_id, inv1.lines.map((l: { seller_sku_code: string; quantity: number }) => [l.seller_sku_code, l.quantity]), inv1.subtotal], [p1.fulfilment_id, [['SKU-A', 2]], 20]);

    // A repeated shipped event issues nothing new; part 2 ships and gets its own number.
    await sendWms(t, id, 'shipped', { fulfilment_id: p1.fulfilment_id });
    await sendWms(t, id, 'shipped', { fulfilment_id: p2.fulfilment_id });
    const both = await eventually('part 2 invoiced', async () => {
      const o = await readOrder(t, id);
      return o.fulfilments!.every((f) => f.invoice_number) ? o : null;
    });
    const n2 = both.fulfilments!.find((f) => f.fulfilment_id === p2.fulfilment_id)!.invoice_number!;
    assert.notEqual(n2, n1);
    assert.equal(both.invoice_number, n1);
    const inv2 = (await t.seller('GET', `/invoices/${n2}`)).body.data;
    assert.deepEqual([inv2.fulfilment_id, inv2.lines.map((l: { seller_sku_code: string; quantity: number }) => [l.seller_sku_code, l.quantity]), inv2.subtotal], [p2.fulfilment_id, [['SKU-B', 1]], 40]);
    assert.equal(both.timeline.filter((e) => e.kind === 'invoice_issued').length, 2);
    const view = (await t.seller('GET', `/orders/${id}`)).body.data;
    assert.equal(view.invoice_number, n1);
    assert.deepEqual(view.fulfilments.map((f: { invoice_number: string }) => f.invoice_number).sort(), [n1, n2].sort());
    assert.equal((await t.seller('GET', `/orders/${id}/invoice`)).body.data.invoice_number, n1);
  });

  it('invoices a split order once, as a whole, under the default invoicing.per = order', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    for (const part of approved.fulfilments!) await sendWms(t, id, 'shipped', { fulfilment_id: part.fulfilment_id });
    const shipped = await untilStatus(t, id, 'shipped', (o) => !!o.invoice_number);
    const invoice = (await t.seller('GET', `/orders/${id}/invoice`)).body.data;
    assert.equal(invoice.invoice_number, shipped.invoice_number);
    assert.equal(invoice.fulfilment_id, undefined);
    assert.deepEqual(invoice.lines.map((l: { seller_sku_code: string }) => l.seller_sku_code).sort(), ['SKU-A', 'SKU-B']);
    assert.equal(shipped.timeline.filter((e) => e.kind === 'invoice_issued').length, 1);
    assert.ok(shipped.fulfilments!.every((f) => (f.invoice_number ?? null) === null));
  });

  it('restocks a customer return of a split order at the hub of the part that shipped each line', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const [p1, p2] = [approved.fulfilments!.find((p) => p.hub_code === 'H1')!, approved.fulfilments!.find((p) => p.hub_code === 'H2')!];
    for (const part of [p1, p2]) {
      await sendWms(t, id, 'shipped', { fulfilment_id: part.fulfilment_id });
      await untilPart(t, id, part.fulfilment_id, 'shipped');
      await sendWms(t, id, 'delivered', { fulfilment_id: part.fulfilment_id });
    }
    await untilStatus(t, id, 'delivered');
    await eventually('both parts consumed', async () => ((await stockRow(t, 'H1', 'SKU-A')).on_hand === 3 && (await stockRow(t, 'H2', 'SKU-B')).on_hand === 4 ? true : null));

    const tooMany = await t.seller('POST', `/orders/${id}/returns`, { items: [{ seller_sku_code: 'SKU-B', quantity: 2, reason: 'x' }] });
    assert.equal(tooMany.status, 400, JSON.stringify(tooMany.body));
    const created = await t.seller('POST', `/orders/${id}/returns`, { items: [{ seller_sku_code: 'SKU-B', quantity: 1, reason: 'damaged' }, { seller_sku_code: 'SKU-A', quantity: 1, reason: 'wrong size' }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ret = created.body.data;
    assert.deepEqual(ret.parts, [
      { fulfilment_id: p2.fulfilment_id, hub_code: 'H2', sku: 'SKU-B', quantity: 1 },
      { fulfilment_id: p1.fulfilment_id, hub_code: 'H1', sku: 'SKU-A', quantity: 1 },
    ]);
    assert.equal(ret.hub_code, 'H2', 'hub_code: the first line\'s part');
    // Received twice at once: each hub restocked once, with the lines its part shipped.
    const received = await Promise.all([t.seller('POST', `/returns/${ret.id}/receive`, {}), t.seller('POST', `/returns/${ret.id}/receive`, {})]);
    assert.deepEqual(received.map((r) => r.status), [200, 200]);
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 4, reserved: 0, available: 4 });
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 5, reserved: 0, available: 5 });
    // H2's part has nothing left to return; H1's one more unit of A.
    assert.equal((await t.seller('POST', `/orders/${id}/returns`, { items: [{ seller_sku_code: 'SKU-B', quantity: 1, reason: 'x' }] })).status, 400);
    const last = await t.seller('POST', `/orders/${id}/returns`, { items: [{ seller_sku_code: 'SKU-A', quantity: 1, reason: 'x' }] });
    assert.deepEqual(last.body.data.parts, [{ fulfilment_id: p1.fulfilment_id, hub_code: 'H1', sku: 'SKU-A', quantity: 1 }]);
    assert.ok((await checkStock(t)).ok);
  });

  it('books a courier per part when it is packed; cancel before pickup cancels both bookings and releases both parts\' stock', async () => {
    const sim = new CarrierSimulator('splitx');
    await sim.start();
    try {
      const t = await twoHubTenant({ policy: 'split_by_line', max_parts: 2 });
      const res = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { courier: { carriers: [{ name: sim.name, base_url: sim.baseUrl, priority: 1 }] } }, headers: internalHeaders(t.tenantId) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = await createOrder(t);
      const approved = await untilStatus(t, id, 'approved');
      for (const part of approved.fulfilments!) await sendWms(t, id, 'packed', { fulfilment_id: part.fulfilment_id });
      const booked = await eventually('both parts booked', async () => {
        const o = await readOrder(t, id);
        return o.fulfilments!.every((f) => f.courier_booking?.state === 'booked') ? o : null;
      });
      assert.equal(booked.status, 'packed', 'every part packed: the order is packed');
      assert.equal(sim.liveBookingsFor(id).length, 2);
      const bookings = await getStack().oms.container.courier.bookings.forOrder(tenantScope(t.tenantId), id);
      assert.deepEqual(bookings.map((b) => b.fulfilment_id).sort(), approved.fulfilments!.map((f) => f.fulfilment_id).sort());
      for (const part of booked.fulfilments!) {
        assert.equal(part.shipment?.awb, part.courier_booking?.awb, 'the part carries its own waybill');
        const call = sim.calls.find((c) => c.key === `${t.tenantId}:${id}:${part.fulfilment_id}`);
        assert.ok(call, `booked with the part's own idempotency key (${part.fulfilment_id})`);
      }
      assert.equal(booked.timeline.filter((e) => e.kind === 'courier_booked').length, 2);

      // The parts' last events may still hold the order's lock for a moment (409 order_in_progress, retryable).
      const cancel = await eventually('cancelled by an operator', async () => {
        const r = await t.internal('POST', `/orders/${id}/cancel`, { reason: 'customer called' });
        return r.status === 409 && r.body.error.code === 'order_in_progress' ? null : r;
      });
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
      await eventually('both bookings cancelled', async () => (sim.liveBookingsFor(id).length === 0 ? true : null));
      const cancelled = await eventually('both parts show the cancel', async () => {
        const o = await readOrder(t, id);
        return o.fulfilments!.every((f) => f.courier_booking?.state === 'cancelled') ? o : null;
      });
      assert.equal(cancelled.status, 'cancelled');
      await eventually('both parts released', async () => {
        const [a, b] = [await stockRow(t, 'H1', 'SKU-A'), await stockRow(t, 'H2', 'SKU-B')];
        return a.reserved === 0 && b.reserved === 0 && a.available === 5 && b.available === 5 ? true : null;
      });
      assert.ok((await checkStock(t)).ok);
    } finally {
      await sim.stop();
    }
  });

  it('returns a part to its own hub (RTO) while the other part is delivered: the order counts as delivered', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const [p1, p2] = [approved.fulfilments!.find((p) => p.hub_code === 'H1')!, approved.fulfilments!.find((p) => p.hub_code === 'H2')!];
    for (const status of ['shipped', 'delivery_failed', 'returned_to_origin']) {
      await sendWms(t, id, status, { fulfilment_id: p1.fulfilment_id });
      await untilPart(t, id, p1.fulfilment_id, status);
    }
    assert.equal((await readOrder(t, id)).status, 'partially_shipped');
    // The parcel came back to H1: its units are on hand again there (left on ship, back on RTO); H2 untouched.
    await eventually('H1 restocked', async () => ((await stockRow(t, 'H1', 'SKU-A')).on_hand === 5 ? true : null));
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 5, reserved: 0, available: 5 });
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 5, reserved: 1, available: 4 });
    await sendWms(t, id, 'delivered', { fulfilment_id: p2.fulfilment_id });
    const done = await untilStatus(t, id, 'delivered');
    assert.deepEqual(done.fulfilments!.map((f) => [f.hub_code, f.status]).sort(), [['H1', 'returned_to_origin'], ['H2', 'delivered']]);
    // The units leave H2 in the effects that follow the write (consumed once the part has left).
    await eventually('H2 consumed', async () => ((await stockRow(t, 'H2', 'SKU-B')).on_hand === 4 ? true : null));
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 4, reserved: 0, available: 4 });
    assert.ok((await checkStock(t)).ok);
  });

  it('refuses a part\'s WMS event for an unknown fulfilment (dead-lettered with its reason, nothing written) and a split order\'s event that names no part', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    await sendWms(t, id, 'packed', { fulfilment_id: `${id}-F9` });
    await sendWms(t, id, 'picking');
    const dead = await eventually('both dead-lettered', async () => {
      const found = await deadLettered(id);
      return found.length >= 2 ? found : null;
    }, 60_000, 500);
    const reasons = dead.map((d) => JSON.stringify(d.attributes));
    assert.ok(reasons.some((r) => r.includes('not_found')), reasons.join('\n'));
    assert.ok(reasons.some((r) => r.includes('bad_request')), reasons.join('\n'));
    const after = await readOrder(t, id);
    assert.equal(after.version, approved.version, 'nothing written');
    assert.deepEqual(after.fulfilments!.map((f) => f.status), ['approved', 'approved']);
  });

  it('a one-part order takes a WMS event naming its only part (the order id), and refuses another id', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-A': 5 });
    const id = await createOrder(t, [{ sku: 'SKU-A', quantity: 1 }]);
    await untilStatus(t, id, 'approved');
    const view = (await t.seller('GET', `/orders/${id}`)).body.data;
    assert.deepEqual(view.fulfilments.map((f: { fulfilment_id: string; hub_code: string }) => [f.fulfilment_id, f.hub_code]), [[id, 'H1']]);
    await sendWms(t, id, 'picking', { fulfilment_id: id });
    const picking = await untilStatus(t, id, 'picking');
    assert.equal(picking.fulfilments ?? null, null, 'a one-part order stores no parts');
    await sendWms(t, id, 'picked', { fulfilment_id: `${id}-F2` });
    await eventually('dead-lettered', async () => ((await deadLettered(id)).some((d) => d.body.status === 'picked') ? true : null), 60_000, 500);
    assert.equal((await readOrder(t, id)).status, 'picking');
  });

  it('when the second part cannot be reserved, releases the first part\'s stock and holds the order', async () => {
    const t = await twoHubTenant(null);
    const id = await createOrder(t);
    await untilStatus(t, id, 'on_hold');
    // H2's row lists the order among its holders without a hold (drift, injected through the
    // repair path): routing sees the unit available, but the row refuses a second hold for the
    // order, so the split's second part (H2; H1 ranks first on the code tie-break) fails to reserve.
    const scope = tenantScope(t.tenantId);
    await getStack().oms.container.stockRouting.stock['repo'].rawUpdate(scope, 'H2', 'SKU-B', { $push: { hold_order_ids: id } });
    await policy(t, { policy: 'split_allowed' });
    const { stock } = getStack().oms.container.stockRouting;
    const h1Version = async () => (await stock.list(scope, { hub_code: 'H1', sku: 'SKU-A' }))[0]!.version;
    const before = await h1Version();
    const res = await t.seller('POST', `/orders/${id}/approve`, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const held = await readOrder(t, id);
    assert.equal(held.status, 'on_hold');
    assert.equal(held.fulfilments ?? null, null);
    // H1's part was reserved (one row write) and given back (another) before the order was held.
    assert.equal(await h1Version(), before + 2);
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 5, reserved: 0, available: 5 }, 'the first part\'s hold was released');
    assert.deepEqual(await stockRow(t, 'H2', 'SKU-B'), { on_hand: 5, reserved: 0, available: 5 });
  });

  it("takes a seller's waybill for a named part of a split order: refused without a part (400) or for an unknown one (404), writing nothing", async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const [p1, p2] = approved.fulfilments!;
    const awb = (n: number) => `SPL${n}${Date.now()}`;

    const unnamed = await t.seller('POST', '/shipments', { order_id: id, courier: 'smsa', awb: awb(0) });
    assert.equal(unnamed.status, 400, JSON.stringify(unnamed.body));
    assert.deepEqual(unnamed.body.error.details.fulfilment_ids, [p1!.fulfilment_id, p2!.fulfilment_id]);
    const unknown = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: `${id}-F9`, courier: 'smsa', awb: awb(0) });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    const blank = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: ' ', courier: 'smsa', awb: awb(0) });
    assert.equal(blank.status, 400, JSON.stringify(blank.body));
    assert.equal(blank.body.error.code, 'validation_failed');
    assert.ok(JSON.stringify(blank.body.error.details).includes('fulfilment_id'), JSON.stringify(blank.body));
    const stranger = await createTenant();
    const foreign = await stranger.seller('POST', '/shipments', { order_id: id, fulfilment_id: p1!.fulfilment_id, courier: 'smsa', awb: awb(0) });
    assert.equal(foreign.status, 404, "another tenant's key does not find the order");
    const untouched = await readOrder(t, id);
    assert.equal(untouched.version, approved.version, 'a refused waybill wrote nothing');

    const awb1 = awb(1);
    const first = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: p1!.fulfilment_id, courier: 'smsa', awb: awb1 });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.data.fulfilment_id, p1!.fulfilment_id);
    const again = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: p1!.fulfilment_id, courier: 'smsa', awb: awb1 });
    assert.equal(again.status, 200, 'the same waybill again: the existing shipment');
    assert.equal(again.body.data.id, first.body.data.id);
    const other = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: p1!.fulfilment_id, courier: 'smsa', awb: awb(2) });
    assert.equal(other.status, 409, JSON.stringify(other.body));
    const second = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: p2!.fulfilment_id, courier: 'aramex', awb: awb(3) });
    assert.equal(second.status, 201, JSON.stringify(second.body));

    const o = await readOrder(t, id);
    assert.equal(o.fulfilments!.find((f) => f.fulfilment_id === p1!.fulfilment_id)!.shipment?.shipment_id, first.body.data.id);
    assert.equal(o.fulfilments!.find((f) => f.fulfilment_id === p2!.fulfilment_id)!.shipment?.shipment_id, second.body.data.id);
    assert.equal(o.shipment?.shipment_id, first.body.data.id, "the first part's waybill is also the order's");
    const created = o.timeline.filter((e) => e.kind === 'shipment_created').map((e) => e.details?.fulfilment_id);
    assert.deepEqual(created, [p1!.fulfilment_id, p2!.fulfilment_id]);
  });

  it("takes a one-part order's waybill named by its only part (the order id), and refuses another part id", async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t, [{ sku: 'SKU-A', quantity: 1 }]);
    await untilStatus(t, id, 'approved');
    const wrong = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: `${id}-F1`, courier: 'smsa', awb: `ONE${Date.now()}` });
    assert.equal(wrong.status, 404, JSON.stringify(wrong.body));
    const named = await t.seller('POST', '/shipments', { order_id: id, fulfilment_id: id, courier: 'smsa', awb: `ONE${Date.now()}` });
    assert.equal(named.status, 201, JSON.stringify(named.body));
    assert.equal(named.body.data.fulfilment_id, undefined, 'a one-part order keeps its shipment unnamed, as before');
    assert.equal((await readOrder(t, id)).shipment?.shipment_id, named.body.data.id);
  });

  it('freezes the shipping address of a split order once any part is packed, although the order is still approved', async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    const approved = await untilStatus(t, id, 'approved');
    const [p1] = approved.fulfilments!;
    const early = await t.seller('PUT', `/orders/${id}`, { edit_type: 'shipping_address', shipping_address: { line1: 'Olaya St 1' } });
    assert.equal(early.status, 200, JSON.stringify(early.body));
    await sendWms(t, id, 'packed', { fulfilment_id: p1!.fulfilment_id });
    const packed = await untilPart(t, id, p1!.fulfilment_id, 'packed');
    assert.equal(packed.status, 'approved');
    const late = await t.seller('PUT', `/orders/${id}`, { edit_type: 'shipping_address', shipping_address: { line1: 'Tahlia St 9' } });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.equal(late.body.error.code, 'edit_not_allowed');
    assert.equal(late.body.error.details.fulfilment_id, p1!.fulfilment_id);
    const after = await readOrder(t, id);
    assert.equal(after.shipping_address.line1, 'Olaya St 1');
    assert.equal(after.version, packed.version, 'the refused edit wrote nothing');
    const contact = await t.seller('PUT', `/orders/${id}`, { edit_type: 'customer_details', customer: { name: 'Still Editable' } });
    assert.equal(contact.status, 200, 'contact details stay editable');
  });

  it("the dev WMS simulator (npm start) plays a split order's parts one by one, each message naming its part, to delivered", async () => {
    const t = await twoHubTenant({ policy: 'split_allowed' });
    const id = await createOrder(t);
    await untilStatus(t, id, 'approved');
    const { platform } = getStack().oms.container;
    const sim = wmsSimulator(orderRepo(), platform.queues, async () => [t.tenantId], 50, platform.logger);
    const done = await eventually(
      'delivered by the simulator',
      async () => {
        await sim.runOnce();
        const o = await readOrder(t, id);
        return o.status === 'delivered' ? o : null;
      },
      60_000,
      200,
    );
    assert.deepEqual(done.fulfilments!.map((f) => f.status), ['delivered', 'delivered']);
    const awbs = done.fulfilments!.map((f) => f.shipment?.awb);
    assert.ok(awbs.every((a) => a?.startsWith('SIM')) && awbs[0] !== awbs[1], `a waybill per part: ${awbs.join(', ')}`);
    assert.deepEqual(await deadLettered(id), [], 'no message refused');
  });
});
