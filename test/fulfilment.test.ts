import assert from 'node:assert/strict';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';
import { approvedOrder, courier, deadLettered, orderBody, readOrder, sendWms, statusMoves, stockRow, stockedHub, untilStatus } from './fulfilment.fixtures.js';

describe('fulfilment: WMS events and the courier webhook', () => {
  it('takes an order from the create-order queue to delivered, with its timeline, stock figures and invoice', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-A': 10, 'SKU-B': 5 });
    const body = orderBody([
      { sku: 'SKU-A', quantity: 2, unit_price: 10.5 },
      { sku: 'SKU-B', quantity: 1, unit_price: 99.99 },
    ]);
    await getStack().oms.container.platform.queues.send('createOrder', { event: 'create_order', tenant_id: t.tenantId, seller_id: t.sellerId, order: body });
    const created = await eventually('order created and approved', async () => {
      const list = await t.seller('GET', `/orders?q=${encodeURIComponent(String(body.order_id).toLowerCase())}`);
      const found = list.body.data?.[0];
      return found && found.status === 'approved' ? found : null;
    });
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-A'), { on_hand: 10, reserved: 2, available: 8 });

    for (const status of ['picking', 'picked', 'packing', 'packed']) {
      await sendWms(t, created.id, status);
      await untilStatus(t, created.id, status);
    }
    await sendWms(t, created.id, 'shipped', { shipment: { awb: `AWB${Date.now()}`, courier: 'aramex', tracking_url: 'https://track.example.com/1' } });
    const shipped = await untilStatus(t, created.id, 'shipped', (o) => !!o.invoice_number);
    assert.match(shipped.shipment?.shipment_id ?? '', /^shp_/);
    assert.equal(shipped.invoice_number, 'INV-000001');
    await eventually('stock consumed', async () => {
      const a = await stockRow(t, 'H1', 'SKU-A');
      return a.on_hand === 8 && a.reserved === 0 ? a : null;
    });
    assert.deepEqual(await stockRow(t, 'H1', 'SKU-B'), { on_hand: 4, reserved: 0, available: 4 });

    const id = shipped.shipment!.shipment_id!;
    const transit = await courier(id, { status: 'IN_TRANSIT', timestamp: '2026-01-01T10:00:00Z', location: { lat: 24.7, lng: 46.6 } });
    assert.equal(transit.status, 200);
    assert.equal(transit.body.data.outcome, 'recorded');
    const delivered = await courier(shipped.shipment!.awb!, { status: 'DELIVERED', timestamp: '2026-01-01T15:00:00Z', location: { lat: 24.71, lng: 46.67 } });
    assert.equal(delivered.status, 200);
    assert.equal(delivered.body.data.outcome, 'applied');

    const final = await readOrder(t, created.id);
    assert.equal(final.status, 'delivered');
    assert.deepEqual(statusMoves(final), [
      'pending->approved',
      'approved->picking',
      'picking->picked',
      'picked->packing',
      'packing->packed',
      'packed->shipped',
      'shipped->delivered',
    ]);
    const shipment = (await t.seller('GET', `/shipments/${id}`)).body.data;
    assert.equal(shipment.status, 'delivered');
    assert.deepEqual(shipment.tracking.map((p: any) => [p.status, p.location]), [
      ['IN_TRANSIT', { lat: 24.7, lng: 46.6 }],
      ['DELIVERED', { lat: 24.71, lng: 46.67 }],
    ]);
    const invoice = (await t.seller('GET', `/orders/${created.id}/invoice`)).body.data;
    assert.equal(invoice.invoice_number, 'INV-000001');
    assert.equal(invoice.subtotal, 120.99);
    assert.equal(invoice.tax_total, 18.15); // 3.15 + 15.00 at 15 %
    assert.equal(invoice.total, 139.14);
    assert.deepEqual(invoice.lines.map((l: any) => [l.seller_sku_code, l.net, l.tax]), [['SKU-A', 21, 3.15], ['SKU-B', 99.99, 15]]);
    // the customer-facing events went out through the outbox
    await eventually('outbox relayed', async () => ((await readOrder(t, created.id)).outbox.length === 0 ? true : null));
  });

  it('lets a WMS skip stages on the forward path and says which were skipped', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    await sendWms(t, order.id, 'shipped');
    const shipped = await untilStatus(t, order.id, 'shipped');
    const skipped = shipped.timeline.find((e) => e.kind === 'stages_skipped');
    assert.deepEqual(skipped?.details?.skipped, ['picking', 'picked', 'packing', 'packed']);
    assert.deepEqual(statusMoves(shipped).slice(-1), ['approved->shipped']);
  });

  it('treats duplicates as no-ops and records stale events without moving back', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
    const at = new Date().toISOString();
    await sendWms(t, order.id, 'picking', { occurred_at: at });
    await sendWms(t, order.id, 'picking', { occurred_at: at });
    await untilStatus(t, order.id, 'picking');
    await sendWms(t, order.id, 'packed');
    await untilStatus(t, order.id, 'packed');
    await sendWms(t, order.id, 'picked');
    const after = await eventually('stale event recorded', async () => {
      const o = await readOrder(t, order.id);
      return o.timeline.some((e) => e.kind === 'stale_event') ? o : null;
    });
    assert.equal(after.status, 'packed');
    assert.deepEqual(statusMoves(after).slice(1), ['approved->picking', 'picking->packed']);
    assert.equal(after.timeline.filter((e) => e.kind === 'wms_report' && e.to === 'picking').length, 1);
    const stale = after.timeline.find((e) => e.kind === 'stale_event');
    assert.equal(stale?.to, 'picked');
    assert.equal(stale?.from, 'packed');
  });

  it('dead-letters a move the table forbids (cancelled -> shipped) with its reason and changes nothing', async () => {
    const t = await createTenant();
    const res = await t.seller('POST', '/orders', orderBody([{ sku: 'S', quantity: 1 }]));
    assert.equal(res.status, 201);
    const cancel = await eventually('order cancelled', async () => {
      const r = await t.seller('POST', `/orders/${res.body.data.id}/cancel`, { reason: 'customer changed mind' });
      return r.status === 200 ? r : null;
    });
    assert.equal(cancel.body.data.status, 'cancelled');
    const cancelled = await readOrder(t, res.body.data.id);
    await sendWms(t, cancelled.id, 'shipped', { shipment: { awb: `AWBX${Date.now()}`, courier: 'aramex' } });
    const dead = await eventually('message dead-lettered', async () => {
      const found = await deadLettered(cancelled.id);
      return found.length > 0 ? found : null;
    });
    assert.equal(dead[0]!.attributes.error_code, 'invalid_transition');
    assert.match(dead[0]!.attributes.error_message ?? '', /cancelled to shipped/);
    const after = await readOrder(t, cancelled.id);
    assert.equal(after.status, 'cancelled');
    assert.equal(after.version, cancelled.version);
    assert.equal(after.shipment, null);
  });

  it('dead-letters a malformed WMS message with its field errors', async () => {
    const t = await createTenant();
    await sendWms(t, 'ord_malformed', 'teleported');
    const dead = await eventually('malformed message dead-lettered', async () => {
      const found = await deadLettered('ord_malformed');
      return found.length > 0 ? found : null;
    });
    assert.equal(dead[0]!.attributes.error_code, 'validation_failed');
    assert.match(dead[0]!.attributes.error_details ?? '', /status/);
  });
});
