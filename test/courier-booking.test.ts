import assert from 'node:assert/strict';
import { CarrierSimulator } from '../external-service/courier/carrier-simulator.js';
import type { Order } from '../core/domain/order.js';
import { newBooking } from '../core/courier/courier-booking.types.js';
import { createTenant, eventually, http, internalHeaders, pastBusy, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { approvedOrder, courier, readOrder, sendWms, stockRow, stockedHub, untilStatus } from './fulfilment.fixtures.js';

/** Courier booking (issue 16 part 2): the TMS side of the saga, against carrier simulators. */

const carriers: CarrierSimulator[] = [];
async function carrier(name: string): Promise<CarrierSimulator> {
  const sim = new CarrierSimulator(name);
  await sim.start();
  carriers.push(sim);
  return sim;
}

async function settings(t: TestTenant, body: unknown) {
  return http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body, headers: internalHeaders(t.tenantId) });
}

/** A tenant with a stocked hub and the given carriers (first = preferred). */
async function tenantWith(sims: CarrierSimulator[], extra: Record<string, unknown> = {}): Promise<TestTenant> {
  const t = await createTenant();
  await stockedHub(t, 'H1', { 'SKU-1': 20 });
  const res = await settings(t, { courier: { carriers: sims.map((s, i) => ({ name: s.name, base_url: s.baseUrl, priority: i + 1 })), ...extra } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return t;
}

async function packedOrder(t: TestTenant): Promise<Order> {
  const order = await approvedOrder(t, [{ sku: 'SKU-1', quantity: 2 }]);
  await sendWms(t, order.id, 'packed');
  return untilStatus(t, order.id, 'packed');
}

function untilBooking(t: TestTenant, id: string, state: string, what = `booking ${state}`): Promise<Order> {
  return eventually(what, async () => {
    const o = await readOrder(t, id);
    return o.courier_booking?.state === state ? o : null;
  });
}

const kinds = (o: Order, kind: string) => o.timeline.filter((e) => e.kind === kind);

describe('courier booking: book on packed, fail over, wait, compensate', () => {
  after(async () => {
    await Promise.all(carriers.map((c) => c.stop()));
  });

  it('books the preferred carrier when the order is packed: AWB, label, slot and carrier on the order and its shipment, shipment.created.v1 sent', async () => {
    const [a, b] = [await carrier('fastx'), await carrier('slowy')];
    const t = await tenantWith([a, b]);
    const order = await packedOrder(t);
    const booked = await untilBooking(t, order.id, 'booked');
    const live = a.liveBookingsFor(order.id);
    assert.equal(live.length, 1);
    assert.equal(b.calls.length, 0, 'the second carrier is not asked');

    const view = (await t.seller('GET', `/orders/${order.id}`)).body.data;
    assert.equal(view.courier_booking.state, 'booked');
    assert.equal(view.courier_booking.carrier, 'fastx');
    assert.equal(view.courier_booking.awb, live[0]!.awb);
    assert.match(view.courier_booking.label_url, /\/labels\/.+\.pdf$/);
    assert.ok(Date.parse(view.courier_booking.pickup_slot.from) < Date.parse(view.courier_booking.pickup_slot.to));
    assert.equal(view.shipment.awb, live[0]!.awb);
    assert.equal(view.shipment.courier, 'fastx');
    assert.match(view.shipment.shipment_id, /^shp_/);
    assert.equal(kinds(booked, 'courier_booked').length, 1);
    const shipment = (await t.seller('GET', `/shipments/${view.shipment.shipment_id}`)).body.data;
    assert.equal(shipment.awb, live[0]!.awb);

    await eventually('shipment.created.v1 relayed', async () =>
      getStack()
        .pusher.eventsFor(`private-seller-${t.sellerId}`)
        .find((e) => e.name === 'shipment.created.v1' && (e.data as { order_id?: string }).order_id === order.id),
    );

    // The courier's signed webhook then drives the order on: shipped, delivered.
    assert.equal((await courier(live[0]!.awb, { status: 'IN_TRANSIT', timestamp: new Date().toISOString(), location: null })).status, 200);
    await untilStatus(t, order.id, 'shipped');
    assert.equal((await courier(live[0]!.awb, { status: 'DELIVERED', timestamp: new Date(Date.now() + 1000).toISOString(), location: null })).status, 200);
    const delivered = await untilStatus(t, order.id, 'delivered');
    assert.equal(delivered.courier_booking?.awb, live[0]!.awb);
  });

  it('books once for a duplicated or repeated packed event', async () => {
    const a = await carrier('dupx');
    const t = await tenantWith([a]);
    const order = await approvedOrder(t, [{ sku: 'SKU-1', quantity: 1 }]);
    const at = new Date().toISOString();
    await sendWms(t, order.id, 'packed', { occurred_at: at });
    await sendWms(t, order.id, 'packed', { occurred_at: at });
    await sendWms(t, order.id, 'packed');
    const booked = await untilBooking(t, order.id, 'booked');
    // Let every copy be handled, then count.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await readOrder(t, order.id);
    assert.equal(a.calls.filter((c) => c.path === '/bookings').length, 1);
    assert.equal(a.liveBookingsFor(order.id).length, 1);
    assert.equal(kinds(after, 'courier_booked').length, 1);
    assert.equal(after.courier_booking?.awb, booked.courier_booking?.awb);
  });

  it('fails over to the next allowed carrier when the preferred one answers errors, and loses nothing', async () => {
    const [a, b] = [await carrier('downx'), await carrier('upy')];
    a.down = true;
    const t = await tenantWith([a, b]);
    const orders = [await packedOrder(t), await packedOrder(t), await packedOrder(t)];
    for (const o of orders) {
      const booked = await untilBooking(t, o.id, 'booked');
      assert.equal(booked.courier_booking?.carrier, 'upy');
      assert.equal(b.liveBookingsFor(o.id).length, 1);
      assert.equal(a.liveBookingsFor(o.id).length, 0);
    }
    assert.ok(a.calls.length >= 2, 'the preferred carrier was tried (with a retry) before failing over');
    const detail = await t.seller('GET', `/orders/${orders[0]!.id}/courier-bookings`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.data.length, 1);
    assert.deepEqual(
      detail.body.data[0].history.map((h: { carrier: string; outcome: string }) => `${h.carrier}:${h.outcome}`),
      ['downx:failed', 'upy:booked'],
    );
    assert.match(detail.body.data[0].history[0].error, /downx/);
    assert.equal((await t.seller('GET', '/orders/ord_missing/courier-bookings')).status, 404);
    // A disabled carrier is not on the allow list, even when preferred.
    const c = await carrier('offz');
    const t2 = await createTenant();
    await stockedHub(t2, 'H1', { 'SKU-1': 5 });
    await settings(t2, { courier: { carriers: [{ name: 'offz', base_url: c.baseUrl, priority: 1, enabled: false }, { name: 'upy', base_url: b.baseUrl, priority: 2 }] } });
    const o2 = await packedOrder(t2);
    assert.equal((await untilBooking(t2, o2.id, 'booked')).courier_booking?.carrier, 'upy');
    assert.equal(c.calls.length, 0);
  });

  it('parks the fulfilment in awaiting_courier when every carrier is down, without failing upstream, and books when one comes back', async () => {
    const [a, b] = [await carrier('alldown1'), await carrier('alldown2')];
    a.down = true;
    b.down = true;
    const t = await tenantWith([a, b]);
    const order = await packedOrder(t);
    const waiting = await untilBooking(t, order.id, 'awaiting_courier');
    assert.equal(waiting.status, 'packed', 'the order itself is untouched');
    assert.equal(kinds(waiting, 'courier_awaiting').length, 1);
    assert.match(String(kinds(waiting, 'courier_awaiting')[0]?.reason), /alldown1.*alldown2/);
    // The sweep keeps trying; still one timeline entry while waiting.
    await eventually('retried by the sweep', async () => a.calls.length >= 4);
    assert.equal(kinds(await readOrder(t, order.id), 'courier_awaiting').length, 1);
    b.down = false;
    const booked = await untilBooking(t, order.id, 'booked', 'booked once a carrier is back');
    assert.equal(booked.courier_booking?.carrier, 'alldown2');
    assert.equal(b.liveBookingsFor(order.id).length, 1);
    assert.equal(booked.shipment?.awb, b.liveBookingsFor(order.id)[0]!.awb);
  });

  it('cancels the booking when the order is cancelled before pickup (compensation), retrying while the carrier is down', async () => {
    const a = await carrier('cancelx');
    const t = await tenantWith([a]);
    const order = await packedOrder(t);
    await untilBooking(t, order.id, 'booked');
    assert.equal((await stockRow(t, 'H1', 'SKU-1')).reserved, 2);
    // A seller may not cancel a packed order; an operator (internal service) may, before pickup.
    assert.equal((await t.seller('POST', `/orders/${order.id}/cancel`, { reason: 'x' })).status, 409);
    a.down = true;
    // 409 order_in_progress is retryable: the booking's own write may still hold the order, and a client asks again.
    const res = await pastBusy('the operator cancel', () => t.internal('POST', `/orders/${order.id}/cancel`, { reason: 'customer called the hub' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const pending = await eventually('cancel pending at the carrier', async () => {
      const bookings = await getStack().oms.container.courier.bookings.forOrder({ tenantId: t.tenantId } as never, order.id);
      return bookings[0]?.state === 'cancel_pending' ? bookings[0] : null;
    });
    assert.ok(pending.last_error);
    assert.equal(a.liveBookingsFor(order.id).length, 1, 'not cancelled while the carrier is down');
    a.down = false;
    const cancelled = await untilBooking(t, order.id, 'cancelled', 'booking cancelled once the carrier is back');
    assert.equal(a.liveBookingsFor(order.id).length, 0);
    assert.equal(kinds(cancelled, 'courier_booking_cancelled').length, 1);
    assert.equal(cancelled.status, 'cancelled');
    await eventually('stock released', async () => (await stockRow(t, 'H1', 'SKU-1')).reserved === 0);
    // Cancelling again changes nothing at the carrier.
    const calls = a.calls.length;
    await t.internal('POST', `/orders/${order.id}/cancel`, { reason: 'again' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(a.calls.length, calls);
  });

  it('books at a tenant-chosen stage (approved) and cancels that booking on a seller cancel', async () => {
    const a = await carrier('earlyx');
    const t = await tenantWith([a], { book_on: 'approved' });
    const order = await approvedOrder(t, [{ sku: 'SKU-1', quantity: 1 }]);
    await untilBooking(t, order.id, 'booked');
    assert.equal((await t.seller('POST', `/orders/${order.id}/cancel`, { reason: 'changed mind' })).status, 200);
    await untilBooking(t, order.id, 'cancelled');
    assert.equal(a.bookings.size, 1);
    assert.equal([...a.bookings.values()][0]!.status, 'cancelled');
  });

  it('retries a carrier that fails once instead of failing over, and a sweep takes over a booking whose process died mid-attempt', async () => {
    const [a, b] = [await carrier('flaky'), await carrier('spare')];
    const t = await tenantWith([a, b]);
    a.failNext = 1;
    const order = await packedOrder(t);
    const booked = await untilBooking(t, order.id, 'booked');
    assert.equal(booked.courier_booking?.carrier, 'flaky', 'one 500 is retried at the same carrier');
    assert.deepEqual(a.calls.map((c) => c.answered), [500, 201]);
    assert.equal(b.calls.length, 0);

    // A booking left `requested` by a dead process (its lease over): the sweep books it, once.
    const other = await approvedOrder(t, [{ sku: 'SKU-1', quantity: 1 }]);
    const { db } = getStack().oms.container.platform.mongo;
    const past = new Date(Date.now() - 1000);
    const { id, ...doc } = newBooking(other, other.id, new Date(), past);
    await db.collection('courier_bookings').insertOne({ _id: id as never, ...doc });
    const retaken = await untilBooking(t, other.id, 'booked', 'booked by the sweep');
    assert.equal(retaken.courier_booking?.carrier, 'flaky');
    // Its packed event later finds the booking and books nothing more.
    await sendWms(t, other.id, 'packed');
    await untilStatus(t, other.id, 'packed');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(a.liveBookingsFor(other.id).length, 1);
    assert.equal(a.calls.filter((c) => c.key === `${t.tenantId}:${id}`).length, 1);
  });

  it('books nothing for a tenant without carriers, and refuses bad carrier settings with 400, changing nothing', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-1': 5 });
    const order = await packedOrder(t);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await readOrder(t, order.id)).courier_booking, undefined);
    const bad: unknown[] = [
      { courier: { carriers: [{ name: 'x', base_url: 'ftp://carrier.example.com', priority: 1 }] } },
      { courier: { carriers: [{ name: 'x', base_url: 'not a url', priority: 1 }] } },
      { courier: { carriers: [{ name: 'x', base_url: 'http://a.example.com', priority: 1 }, { name: 'x', base_url: 'http://b.example.com', priority: 2 }] } },
      { courier: { carriers: [{ name: 'bad name!', base_url: 'http://a.example.com', priority: 1 }] } },
      { courier: { carriers: [{ name: 'x', base_url: 'http://a.example.com', priority: -1 }] } },
      { courier: { book_on: 'shipped' } },
      { courier: { carriers: [{ name: 'x', base_url: 'http://a.example.com', priority: 1, secret: 'y' }] } },
    ];
    for (const body of bad) {
      const res = await settings(t, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_failed');
    }
    const now = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders(t.tenantId) });
    assert.deepEqual(now.body.data.courier, { book_on: 'packed', carriers: [] });
  });
});
