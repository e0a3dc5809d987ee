import assert from 'node:assert/strict';
import { createTenant, eventually, http } from './support/api.js';
import { getStack } from './support/stack.js';
import { ShipmentRepository } from '../core/shipment/shipment.repository.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { approvedOrder, courier, readOrder, sendWms, stockRow, stockedHub, untilStatus } from './fulfilment.fixtures.js';

const awb = () => `AWB${Date.now()}${Math.floor(Math.random() * 1e6)}`;

describe('shipments API and courier webhook', () => {
  it('creates, reads and updates a shipment; the order points at it', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const waybill = awb();
    const created = await t.seller('POST', '/shipments', { order_id: order.id, courier: 'smsa', awb: waybill });
    assert.equal(created.status, 201);
    assert.match(created.body.data.id, new RegExp(`^shp_${t.tenantId}_`));
    // the same waybill again answers the same shipment; another one is a conflict
    const again = await t.seller('POST', '/shipments', { order_id: order.order_id, courier: 'smsa', awb: waybill });
    assert.equal(again.status, 200);
    assert.equal(again.body.data.id, created.body.data.id);
    assert.equal((await t.seller('POST', '/shipments', { order_id: order.id, courier: 'smsa', awb: awb() })).status, 409);
    const updated = await t.seller('PUT', `/shipments/${created.body.data.id}`, { tracking_url: 'https://smsa.example.com/t/1' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.data.tracking_url, 'https://smsa.example.com/t/1');
    const o = await readOrder(t, order.id);
    assert.deepEqual(o.shipment, { shipment_id: created.body.data.id, awb: waybill, courier: 'smsa', tracking_url: 'https://smsa.example.com/t/1' });
    assert.equal(o.status, 'approved');
  });

  it('answers 400 with field errors and writes nothing; another tenant gets 404', async () => {
    const t = await createTenant();
    const other = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const bad = await t.seller('POST', '/shipments', { order_id: order.id, courier: '', awb: 'x y', extra: 1 });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: any) => d.field).sort(), ['(body)', 'awb', 'courier']);
    assert.equal((await readOrder(t, order.id)).shipment, null);
    assert.equal((await other.seller('POST', '/shipments', { order_id: order.id, courier: 'smsa', awb: awb() })).status, 404);
    const created = await t.seller('POST', '/shipments', { order_id: order.id, courier: 'smsa', awb: awb() });
    assert.equal((await other.seller('GET', `/shipments/${created.body.data.id}`)).status, 404);
    assert.equal((await t.seller('PUT', `/shipments/${created.body.data.id}`, {})).status, 400);
  });

  it('registers waybills in bulk, answering each item', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const a = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const res = await t.seller('POST', '/shipments/bulk', { shipments: [{ order_id: a.id, courier: 'smsa', awb: awb() }, { order_id: 'ord_missing', courier: 'smsa', awb: awb() }] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.map((r: any) => r.status), ['created', 'failed']);
    assert.equal(res.body.data[1].error.code, 'order_not_found');
  });

  it('refuses a forged or missing signature with 401 and stores nothing', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const waybill = awb();
    await sendWms(t, order.id, 'shipped', { shipment: { awb: waybill, courier: 'aramex' } });
    await untilStatus(t, order.id, 'shipped');
    // Shipping's effects (stock consumed, invoice issued) write the order once more: let them land.
    const shipped = await eventually('the invoice on the shipped order', async () => {
      const o = await readOrder(t, order.id);
      return o.invoice_number ? o : null;
    });
    const body = { status: 'DELIVERED', timestamp: '2026-01-01T10:00:00Z' };
    const forged = await courier(waybill, body, 'a'.repeat(64));
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'unauthorized');
    const none = await http('POST', `/v1/shipments/${waybill}/status`, { body });
    assert.equal(none.status, 401);
    // a valid signature over a different body does not pass either
    const raw = JSON.stringify({ status: 'FAILED', timestamp: '2026-01-01T10:00:00Z' });
    const { signCourierBody } = await import('../core/shipment/courier-signature.js');
    const replay = await http('POST', `/v1/shipments/${waybill}/status`, { body, headers: { 'x-signature': signCourierBody(getStack().config.courier.webhook_secret, raw) } });
    assert.equal(replay.status, 401);
    const after = await readOrder(t, order.id);
    assert.equal(after.status, 'shipped');
    assert.equal(after.version, shipped.version);
    assert.deepEqual((await t.seller('GET', `/shipments/${shipped.shipment!.shipment_id}`)).body.data.tracking, []);
  });

  it('stores each courier scan once, with its location, however often it is sent', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const waybill = awb();
    await sendWms(t, order.id, 'shipped', { shipment: { awb: waybill, courier: 'aramex' } });
    const shipped = await untilStatus(t, order.id, 'shipped');
    const scan = { status: 'IN_TRANSIT', timestamp: '2026-01-01T10:00:00Z', location: { lat: 24.1, lng: 46.2 } };
    const results = await Promise.all([courier(waybill, scan), courier(waybill, scan), courier(shipped.shipment!.shipment_id!, scan)]);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200], JSON.stringify(results.map((r) => r.body)));
    const shipment = (await t.seller('GET', `/shipments/${shipped.shipment!.shipment_id}`)).body.data;
    assert.equal(shipment.tracking.length, 1);
    assert.deepEqual(shipment.tracking[0].location, { lat: 24.1, lng: 46.2 });
    assert.equal(shipment.status, 'in_transit');
    const o = await readOrder(t, order.id);
    assert.equal(o.timeline.filter((e) => e.kind === 'courier_report').length, 1);
    // A later scan, then the first one replayed at once: still stored once each.
    const later = { status: 'IN_TRANSIT', timestamp: '2026-01-01T12:00:00Z', location: { lat: 24.5, lng: 46.5 } };
    assert.equal((await courier(waybill, later)).status, 200);
    await Promise.all([courier(waybill, scan), courier(waybill, scan), courier(waybill, scan)]);
    const two = (await t.seller('GET', `/shipments/${shipped.shipment!.shipment_id}`)).body.data;
    assert.deepEqual(two.tracking.map((p: any) => p.at), ['2026-01-01T10:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    // The store's own guard, below the service's check: racing writes of the first point again.
    const repo = new ShipmentRepository(getStack().oms.container.platform.mongo.db);
    const first = (await repo.findById(tenantScope(t.tenantId), shipped.shipment!.shipment_id!))!.tracking[0]!;
    const stored = await Promise.all([1, 2, 3].map(() => repo.addTrackingPoint(tenantScope(t.tenantId), shipped.shipment!.shipment_id!, first, null)));
    assert.deepEqual(stored, [false, false, false]);
    assert.equal((await repo.findById(tenantScope(t.tenantId), shipped.shipment!.shipment_id!))!.tracking.length, 2);
    assert.equal((await courier('AWB-unknown-1', scan)).status, 404);
    const bad = await courier(waybill, { status: 'LOST', timestamp: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: any) => d.field).sort(), ['status', 'timestamp']);
  });

  it('records an OUT_FOR_DELIVERY scan on the tracking and the timeline without moving the order, and emits shipment.updated.v1', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const waybill = awb();
    await sendWms(t, order.id, 'shipped', { shipment: { awb: waybill, courier: 'aramex' } });
    const shipped = await untilStatus(t, order.id, 'shipped');
    const at = new Date(Date.now() - 60_000).toISOString();
    const res = await courier(waybill, { status: 'OUT_FOR_DELIVERY', timestamp: at, location: { lat: 24.7, lng: 46.7 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.status, 'in_transit');
    assert.equal((await courier(waybill, { status: 'OUT_FOR_DELIVERY', timestamp: at })).body.data.outcome, 'duplicate');
    const shipment = (await t.seller('GET', `/shipments/${shipped.shipment!.shipment_id}`)).body.data;
    assert.deepEqual(shipment.tracking.map((p: any) => [p.status, p.at]), [['OUT_FOR_DELIVERY', at]]);
    const o = await readOrder(t, order.id);
    assert.equal(o.status, 'shipped');
    const reports = o.timeline.filter((e) => e.kind === 'courier_report');
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.details?.courier_status, 'OUT_FOR_DELIVERY');
    const event = await eventually('shipment.updated.v1 with the scan', async () =>
      getStack()
        .pusher.eventsFor(`private-seller-${t.sellerId}`)
        .map((e) => e.data as { event?: string; order_id?: string; data?: { tracking?: { status?: string } } })
        .find((e) => e.event === 'shipment.updated.v1' && e.order_id === order.id && e.data?.tracking),
    );
    assert.equal(event.data!.tracking!.status, 'OUT_FOR_DELIVERY');
    // Delivered after it moves the order as before.
    assert.equal((await courier(waybill, { status: 'DELIVERED', timestamp: new Date().toISOString() })).status, 200);
    await untilStatus(t, order.id, 'delivered');
  });

  it('returns a failed delivery to origin and restocks the hub once', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 2 }]);
    const waybill = awb();
    await sendWms(t, order.id, 'shipped', { shipment: { awb: waybill, courier: 'aramex' } });
    await untilStatus(t, order.id, 'shipped');
    await eventually('stock consumed', async () => ((await stockRow(t, 'H1', 'S')).on_hand === 3 ? true : null));
    assert.equal((await courier(waybill, { status: 'FAILED', timestamp: '2026-01-02T10:00:00Z' })).status, 200);
    await untilStatus(t, order.id, 'delivery_failed');
    const at = new Date().toISOString();
    await sendWms(t, order.id, 'returned_to_origin', { occurred_at: at });
    await sendWms(t, order.id, 'returned_to_origin', { occurred_at: at });
    await sendWms(t, order.id, 'returned_to_origin');
    await untilStatus(t, order.id, 'returned_to_origin');
    await eventually('restocked', async () => ((await stockRow(t, 'H1', 'S')).on_hand === 5 ? true : null));
    await new Promise((r) => setTimeout(r, 500)); // let the duplicates land
    assert.deepEqual(await stockRow(t, 'H1', 'S'), { on_hand: 5, reserved: 0, available: 5 });
  });
});
