import assert from 'node:assert/strict';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';

describe('real-time: order events reach the seller on Pusher', function () {
  this.timeout(60_000);

  it('delivers order.created.v1 and order.status_changed.v1 within a second of the change', async () => {
    const t = await createTenant();
    const channel = `private-seller-${t.sellerId}`;
    const body = {
      order_id: 'RT-1',
      sales_channel: { name: 'shopify', order_id: 'rt-1' },
      order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
      customer: { name: 'Aisha Khan', email: null, phone: null },
      shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA' },
      payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
    };
    const created = await t.seller('POST', '/orders', body);
    assert.equal(created.status, 201);
    const id = created.body.data.id;
    const createdAt = Date.parse(created.body.data.created_at);
    const event = await eventually('order.created.v1 on Pusher', async () => getStack().pusher.eventsFor(channel).find((e) => e.name === 'order.created.v1' && JSON.stringify(e.data).includes(id)), 10_000, 20);
    const createdLatency = event.received_at - createdAt;

    // Routing may hold the order's lock for a moment right after create (409 order_in_progress).
    const cancelled = await eventually('the cancel to go through', async () => {
      const r = await t.seller('POST', `/orders/${id}/cancel`, { reason: 'test' });
      return r.status === 200 ? r : null;
    }, 10_000, 50);
    const changedAt = Date.parse(cancelled.body.data.updated_at);
    const change = await eventually('order.status_changed.v1 to cancelled on Pusher', async () => getStack().pusher.eventsFor(channel).find((e) => e.name === 'order.status_changed.v1' && JSON.stringify(e.data).includes('"to":"cancelled"')), 10_000, 20);
    const changeLatency = change.received_at - changedAt;
    console.log(`      pusher latency: created ${createdLatency} ms, status_changed ${changeLatency} ms`);
    assert.ok(createdLatency < 1000, `order.created.v1 took ${createdLatency} ms`);
    assert.ok(changeLatency < 1000, `order.status_changed.v1 took ${changeLatency} ms`);
  });
});
