import assert from 'node:assert/strict';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';
import { sellerScope, tenantScope } from '../core/domain/tenant-scope.js';
import type { Order } from '../core/domain/order.js';
import { NotificationRepository } from '../core/notification/notification.repository.js';
import { orderBody, orderRepo, sendToQueue, settled, storedOrder, uid } from './orders-support.js';

function pusherEvents(sellerId: string, orderId: string) {
  return getStack()
    .pusher.eventsFor(`private-seller-${sellerId}`)
    .filter((e) => (e.data as { order_id?: string } | null)?.order_id === orderId);
}

function notifications(tenantId: string, orderId: string) {
  return new NotificationRepository(getStack().oms.container.platform.mongo.db).listForOrder(tenantScope(tenantId), orderId);
}

describe('order events: outbox, relay, Pusher and customer notifications', () => {
  it('relays order.created.v1 to Pusher on the seller channel, empties the outbox and notifies the customer', async () => {
    const t = await createTenant();
    const res = await t.seller('POST', '/orders', orderBody());
    assert.equal(res.status, 201);
    const id = res.body.data.id;
    const created = await eventually('order.created.v1 on Pusher', async () => pusherEvents(t.sellerId, id).find((e) => e.name === 'order.created.v1'));
    const event = created.data as Record<string, any>;
    assert.match(event.event_id, /^[0-9a-f-]{36}$/);
    assert.equal(event.tenant_id, t.tenantId);
    assert.equal(event.seller_id, t.sellerId);
    assert.equal(event.data.order.status, 'pending');
    const order = await settled(t.tenantId, id);
    assert.deepEqual(order.outbox, []);
    const sent = await eventually('notifications', async () => {
      const list = await notifications(t.tenantId, id);
      return list.length >= 2 ? list : null;
    });
    assert.deepEqual(sent.map((n) => [n.channel, n.stage, n.status, n.recipient]).sort(), [
      ['email', 'order_confirmed', 'sent', 'aisha@example.com'],
      ['sms', 'order_confirmed', 'sent', '+966500000000'],
    ]);
    // the routing decision and the cancel are relayed too; a cancel is customer-facing
    await t.seller('POST', `/orders/${id}/cancel`, { reason: 'test' });
    await eventually('cancel on Pusher', async () =>
      pusherEvents(t.sellerId, id).some((e) => e.name === 'order.status_changed.v1' && (e.data as any).data.to === 'cancelled'),
    );
    await eventually('cancel notification', async () => (await notifications(t.tenantId, id)).some((n) => n.stage === 'order_cancelled'));
  });

  it('still delivers an event and routes the order when the process died between the write and the send', async () => {
    const t = await createTenant();
    const now = new Date();
    // What create() would have written, inserted directly: the relay after it never ran.
    const order: Order = {
      id: `ord_${uid()}${uid()}`,
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: uid('SO-'),
      order_number: 999,
      status: 'pending',
      hold_reason: null,
      hub_code: null,
      sales_channel: null,
      order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 1, sales_channel_order_item_id: null }],
      customer: { name: 'Crash Test', email: null, phone: null },
      shipping_address: { line1: 'x', line2: null, city: 'Riyadh', state: null, country: 'SA', postal_code: null, latitude: null, longitude: null },
      payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 1 },
      shipment: null,
      invoice_number: null,
      routing: null,
      reservation: null,
      timeline: [{ at: now, actor: 'seller', kind: 'created', from: null, to: 'pending', reason: null }],
      outbox: [],
      created_at: now,
      updated_at: now,
      version: 1,
    };
    const inserted = await orderRepo().insert(sellerScope(t.tenantId, t.sellerId), order);
    assert.equal(inserted.outbox.length, 1);
    const stored = await storedOrder(t.tenantId, order.id);
    assert.equal(stored?.outbox[0]?.type, 'order.created.v1', 'the event waits in the document');
    await eventually('the sweeper relays it', async () => pusherEvents(t.sellerId, order.id).some((e) => e.name === 'order.created.v1'));
    const after = await settled(t.tenantId, order.id);
    assert.equal(after.status, 'on_hold', 'route_order was sent along with the event');
    assert.equal(pusherEvents(t.sellerId, order.id).filter((e) => e.name === 'order.created.v1').length, 1);
  });

  it('drops a redelivered event by event_id: one Pusher trigger, one notification per channel', async () => {
    const t = await createTenant();
    const res = await t.seller('POST', '/orders', orderBody({ customer: { name: 'Dup Test', email: 'dup@example.com' } }));
    const id = res.body.data.id;
    await settled(t.tenantId, id);
    const event = {
      event_id: `evt-${uid()}`,
      event: 'order.status_changed.v1',
      occurred_at: new Date().toISOString(),
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: id,
      data: { order: { id, status: 'shipped', sales_channel: null, version: 9 }, from: 'packed', to: 'shipped' },
    };
    await sendToQueue('orderUpdates', event);
    await sendToQueue('orderUpdates', event);
    await eventually('the event on Pusher', async () => pusherEvents(t.sellerId, id).some((e) => (e.data as any).event_id === event.event_id));
    await eventually('the shipped notification', async () => (await notifications(t.tenantId, id)).some((n) => n.stage === 'order_shipped'));
    await eventually('both copies handled', async () => {
      const q = getStack().oms.container.platform.queues;
      const { visible, inFlight } = await q.depth(q.name('orderUpdates'));
      return visible === 0 && inFlight === 0;
    });
    assert.equal(pusherEvents(t.sellerId, id).filter((e) => (e.data as any).event_id === event.event_id).length, 1);
    const shipped = (await notifications(t.tenantId, id)).filter((n) => n.stage === 'order_shipped');
    assert.deepEqual(shipped.map((n) => n.channel), ['email'], 'no phone: email only, and once');
  });

  it('leaves a malformed order-updates message in the DLQ instead of retrying it forever', async () => {
    const before = (await orderRepo().withPendingOutbox(tenantScope('ten_none'), 1)).length;
    assert.equal(before, 0);
    await sendToQueue('orderUpdates', { event: 'order.created.v1', tenant_id: 'x' });
    const metrics = await getStack().oms.container.platform.metrics.registry.getSingleMetricAsString('oms_queue_messages_total');
    assert.ok(metrics.includes('oms_queue_messages_total'));
    await eventually('dead-lettered', async () => {
      const text = await getStack().oms.container.platform.metrics.registry.getSingleMetricAsString('oms_queue_messages_total');
      return /listener="order_updates",outcome="dead_lettered"} [1-9]/.test(text);
    });
  });
});
