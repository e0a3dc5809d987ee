import assert from 'node:assert/strict';
import { ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { createTenant, eventually, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import type { LocalTelemetry } from '../core/platform/telemetry.js';
import { countOrders, orderBody, sendToQueue, settled, uid } from './orders-support.js';

function createMessage(t: TestTenant, order = orderBody()) {
  return { event: 'create_order', tenant_id: t.tenantId, seller_id: t.sellerId, order };
}

async function channelOrder(t: TestTenant, channelOrderId: string) {
  const list = await t.seller('GET', `/orders?per_page=50`);
  return list.body.data.find((o: { sales_channel: { order_id: string } | null }) => o.sales_channel?.order_id === channelOrderId) ?? null;
}

/** Reads the create-order DLQ until a message for `tenantId` shows up; returns its error attributes. */
async function deadLettered(tenantId: string): Promise<Record<string, string>> {
  const { queues } = getStack().oms.container.platform;
  const url = await queues.url(queues.dlqName('createOrder'));
  return eventually('a dead-lettered message', async () => {
    const res = await queues.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 1, MessageAttributeNames: ['All'] }));
    for (const m of res.Messages ?? []) {
      if (!m.Body?.includes(tenantId)) continue;
      await queues.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      return Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
    }
    return null;
  });
}

describe('orders from the sales channel queue', () => {
  it('creates an order from create_order, through the same rules as the API', async () => {
    const t = await createTenant();
    const body = orderBody();
    await sendToQueue('createOrder', createMessage(t, body));
    const order = await eventually('the order', () => channelOrder(t, body.sales_channel.order_id));
    assert.equal(order.order_id, body.order_id);
    assert.ok(order.order_number >= 1);
    const timeline = (await t.seller('GET', `/orders/${order.id}/timeline`)).body.data;
    assert.equal(timeline[0].kind, 'created');
    assert.equal(timeline[0].details.source, 'sales_channel');
  });

  it('makes one order of the same channel message delivered twice and handled concurrently', async () => {
    const t = await createTenant();
    const body = orderBody();
    const message = createMessage(t, body);
    // Five copies at once: the listener handles them in parallel slots.
    await getStack().oms.container.platform.queues.sendMany('createOrder', [message, message, message, message, message]);
    // The same channel order under another seller order id is the same order too.
    await sendToQueue('createOrder', createMessage(t, { ...body, order_id: uid('SO-') }));
    await eventually('the order', () => channelOrder(t, body.sales_channel.order_id));
    await eventually('all copies handled', async () => {
      const { visible, inFlight } = await getStack().oms.container.platform.queues.depth(getStack().oms.container.platform.queues.name('createOrder'));
      return visible === 0 && inFlight === 0;
    });
    assert.equal(await countOrders(t.tenantId), 1);
  });

  it('accepts lines without sales_channel_order_item_id and notices the gap with seller, channel, order and SKUs', async () => {
    const t = await createTenant();
    const body = orderBody();
    body.order_items[1].sales_channel_order_item_id = null;
    delete body.order_items[0].sales_channel_order_item_id;
    await sendToQueue('createOrder', createMessage(t, body));
    await eventually('the order', () => channelOrder(t, body.sales_channel.order_id));
    const telemetry = getStack().oms.container.platform.telemetry as LocalTelemetry;
    const noticed = telemetry.noticed.find((n) => n.attributes.sales_channel_order_id === body.sales_channel.order_id);
    assert.ok(noticed, 'noticed in New Relic');
    assert.deepEqual(
      { seller: noticed.attributes.seller_id, channel: noticed.attributes.sales_channel, skus: noticed.attributes.skus },
      { seller: t.sellerId, channel: 'shopify', skus: 'SKU-1,SKU-2' },
    );
  });

  it('dead-letters a malformed message at once with its field errors, writing nothing', async () => {
    const t = await createTenant();
    const bad = createMessage(t, orderBody({ order_items: [{ seller_sku_code: 'X', quantity: -1, unit_price: 1 }], sales_channel: null }));
    await sendToQueue('createOrder', bad);
    const attributes = await deadLettered(t.tenantId);
    assert.equal(attributes.error_code, 'validation_failed');
    const fields = JSON.parse(attributes.error_details ?? '[]').map((d: { field: string }) => d.field);
    assert.ok(fields.includes('order.order_items.0.quantity'), fields.join(','));
    assert.ok(fields.includes('order.sales_channel'), fields.join(','));
    assert.equal(attributes.receive_count, '1');
    assert.equal(await countOrders(t.tenantId), 0);
  });

  it('applies update_order (payment, customer, address in the channel spelling) and cancel_order, once', async () => {
    const t = await createTenant();
    const body = orderBody({ payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 26 } });
    await sendToQueue('createOrder', createMessage(t, body));
    const created = await eventually('the order', () => channelOrder(t, body.sales_channel.order_id));
    await settled(t.tenantId, created.id);
    const ref = body.sales_channel;
    await sendToQueue('createOrder', {
      event: 'update_order',
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      sales_channel: ref,
      payment: { status: 'paid' },
      customer: { email: 'new@example.com' },
      shipping_address: { city: 'Al Riyadh', state: 'Ar Riyad' },
    });
    const updated = await eventually('the update', async () => {
      const o = (await t.seller('GET', `/orders/${created.id}`)).body.data;
      return o.payment.status === 'paid' ? o : null;
    });
    assert.equal(updated.customer.email, 'new@example.com');
    assert.equal(updated.shipping_address.city, 'Al Riyadh');
    assert.equal(updated.shipping_address.sales_channel_city, 'Al Riyadh');
    assert.equal(updated.shipping_address.sales_channel_state, 'Ar Riyad');
    assert.equal(updated.shipping_address.sales_channel_country, null);

    const cancel = { event: 'cancel_order', tenant_id: t.tenantId, seller_id: t.sellerId, sales_channel: ref, reason: 'customer cancelled on shopify' };
    await sendToQueue('createOrder', cancel);
    await eventually('the cancel', async () => (await t.seller('GET', `/orders/${created.id}`)).body.data.status === 'cancelled');
    await sendToQueue('createOrder', cancel); // a redelivered cancel is a no-op, not a failure
    await sendToQueue('createOrder', createMessage(t, body)); // and so is a redelivered create
    await eventually('queue drained', async () => {
      const q = getStack().oms.container.platform.queues;
      const { visible, inFlight } = await q.depth(q.name('createOrder'));
      return visible === 0 && inFlight === 0;
    });
    const timeline = (await t.seller('GET', `/orders/${created.id}/timeline`)).body.data;
    assert.equal(timeline.filter((e: { to: string }) => e.to === 'cancelled').length, 1);
    assert.equal(timeline.at(-1).reason, 'customer cancelled on shopify');
    assert.equal(await countOrders(t.tenantId), 1);
  });
});
