import assert from 'node:assert/strict';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Order } from '../core/domain/order.js';
import { createHub, createTenant, eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { sendToQueue } from './orders-support.js';
import { approvedOrder, sendWms, stockedHub, untilStatus } from './fulfilment.fixtures.js';
import { createOrder, routed, row, setStock, settings, stored, uid } from './stock-support.js';

/**
 * Issue 14 part 3: payment events by API, internal API and the sales channel's queue; the hold
 * of an unpaid prepaid order lifts the moment it is paid; failures after approval release the
 * stock; unpaid orders are released after the tenant's timeout; refunds never exceed what was paid.
 */

const PREPAID = { payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 10 } };

async function world(): Promise<TestTenant> {
  const t = await createTenant();
  await createHub(t.tenantId, { code: 'H1' });
  await setStock(t, 'H1', 'SKU-P', 5);
  return t;
}

function pay(t: TestTenant, orderId: string, body: Record<string, unknown>) {
  return t.seller('POST', `/orders/${orderId}/payments`, body);
}

function pusherNames(sellerId: string, orderId: string): string[] {
  return getStack()
    .pusher.eventsFor(`private-seller-${sellerId}`)
    .filter((e) => (e.data as { order_id?: string } | null)?.order_id === orderId)
    .map((e) => e.name);
}

/** The next dead-lettered create-order message of this tenant (and that message's attributes); the copy is deleted. */
async function deadLettered(tenantId: string, marker: string): Promise<Record<string, string>> {
  const { queues } = getStack().oms.container.platform;
  const url = await queues.url(queues.dlqName('createOrder'));
  return eventually('a dead-lettered message', async () => {
    const res = await queues.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 1, MessageAttributeNames: ['All'] }));
    for (const m of res.Messages ?? []) {
      if (!m.Body?.includes(tenantId) || !m.Body.includes(marker)) continue;
      await queues.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      return Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
    }
    return null;
  }, 30_000);
}

/** Asserts a refused payment wrote nothing: same version, same payment, same payment events. */
async function unchanged(t: TestTenant, before: Order): Promise<void> {
  const after = await stored(t.tenantId, before.id);
  assert.equal(after.version, before.version);
  assert.deepEqual(after.payment, before.payment);
  assert.deepEqual(after.payment_events ?? [], before.payment_events ?? []);
}

describe('payments: lifecycle of an order payment', () => {
  it('a prepaid order waits unpaid and is approved the moment `paid` arrives by API; the events go out', async () => {
    const t = await world();
    const id = await createOrder(t, [['SKU-P', 2]], PREPAID);
    const held = await routed(t.tenantId, id);
    assert.deepEqual([held.status, held.hold_reason, held.reservation], ['on_hold', 'payment_pending', null]);

    const authorized = await pay(t, id, { event_id: uid('auth-'), type: 'authorized', amount: 10, reference: 'ch_1' });
    assert.equal(authorized.status, 200);
    assert.equal(authorized.body.data.order.payment.status, 'authorized');
    assert.equal(authorized.body.data.order.payment.authorized_amount, 10);
    // Authorized is not paid: still held.
    assert.equal((await stored(t.tenantId, id)).status, 'on_hold');

    const paid = await pay(t, id, { event_id: uid('cap-'), type: 'paid', amount: 10, currency: 'sar', reference: 'ch_1' });
    assert.equal(paid.status, 200);
    assert.equal(paid.body.data.duplicate, false);
    assert.deepEqual([paid.body.data.order.payment.status, paid.body.data.order.payment.paid_amount], ['paid', 10]);
    assert.equal(paid.body.data.payment_event.type, 'paid');
    const approved = await eventually('paid order approved', async () => {
      const o = await stored(t.tenantId, id);
      return o.status === 'approved' ? o : null;
    });
    assert.deepEqual(approved.reservation, { hub_code: 'H1', lines: [{ sku: 'SKU-P', quantity: 2 }] });
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 2);
    assert.ok(approved.timeline.some((e) => e.kind === 'payment_paid' && e.details?.amount === 10));
    assert.ok(approved.timeline.some((e) => e.kind === 'payment_authorized'));
    // The order view shows the payment and its events.
    const view = await t.seller('GET', `/orders/${id}`);
    assert.deepEqual(view.body.data.payment_events.map((e: any) => e.type), ['authorized', 'paid']);
    assert.equal(view.body.data.payment.paid_amount, 10);
    await eventually('payment events relayed', async () => {
      const names = pusherNames(t.sellerId, id);
      return ['payment.authorized.v1', 'payment.paid.v1', 'order.payment.updated.v1'].every((n) => names.includes(n));
    });
  });

  it('a payment_update message on the create-order queue approves the held order; a redelivered one changes nothing', async () => {
    const t = await world();
    const channelOrderId = uid('sh-');
    const id = await createOrder(t, [['SKU-P', 1]], { ...PREPAID, sales_channel: { name: 'shopify', order_id: channelOrderId } });
    assert.equal((await routed(t.tenantId, id)).hold_reason, 'payment_pending');
    const message = {
      event: 'payment_update',
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      sales_channel: { name: 'shopify', order_id: channelOrderId },
      payment_event: { event_id: uid('q-'), type: 'paid', amount: 10 },
    };
    await sendToQueue('createOrder', message);
    await sendToQueue('createOrder', message);
    const approved = await eventually('queued payment approves the order', async () => {
      const o = await stored(t.tenantId, id);
      return o.status === 'approved' ? o : null;
    }, 30_000);
    // Let the copy be handled too, then check it had no effect of its own.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await stored(t.tenantId, id);
    assert.equal(after.payment_events!.length, 1);
    assert.equal(after.timeline.filter((e) => e.kind === 'payment_paid').length, 1);
    assert.equal(after.payment_events![0]!.source, 'sales_channel');
    assert.equal(approved.payment.status, 'paid');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 1);
  });

  it('a malformed or refused payment_update is dead-lettered at once with its reason, writing nothing', async () => {
    const t = await world();
    const channelOrderId = uid('sh-');
    const id = await createOrder(t, [['SKU-P', 1]], { payment: { method: 'prepaid', status: 'paid', currency: 'SAR', total: 10 }, sales_channel: { name: 'shopify', order_id: channelOrderId } });
    const before = await routed(t.tenantId, id);
    const base = { event: 'payment_update', tenant_id: t.tenantId, seller_id: t.sellerId, sales_channel: { name: 'shopify', order_id: channelOrderId } };
    await sendToQueue('createOrder', { ...base, payment_event: { event_id: 'bad-1', type: 'refunded' } });
    const malformed = await deadLettered(t.tenantId, 'bad-1');
    assert.equal(malformed.error_code, 'validation_failed');
    assert.ok(malformed.error_details?.includes('payment_event.amount'), malformed.error_details);
    assert.equal(malformed.receive_count, '1');
    await sendToQueue('createOrder', { ...base, payment_event: { event_id: 'bad-2', type: 'refunded', amount: 11 } });
    const refused = await deadLettered(t.tenantId, 'bad-2');
    assert.equal(refused.error_code, 'refund_exceeds_paid');
    assert.equal(refused.receive_count, '1');
    await sendToQueue('createOrder', { event: 'payment_updated', tenant_id: t.tenantId, seller_id: t.sellerId, marker: 'bad-3' });
    assert.equal((await deadLettered(t.tenantId, 'bad-3')).error_code, 'validation_failed');
    await unchanged(t, before);
  });

  it('the internal API takes payment events for the seller the same way', async () => {
    const t = await world();
    const id = await createOrder(t, [['SKU-P', 1]], PREPAID);
    await routed(t.tenantId, id);
    const res = await t.internal('POST', `/orders/${id}/payments`, { event_id: uid('int-'), type: 'paid' });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.payment_event.source, 'internal');
    assert.equal(res.body.data.payment_event.amount, 10); // the order total by default
    await eventually('approved', async () => (await stored(t.tenantId, id)).status === 'approved');
  });

  it('a duplicate payment event changes nothing; a different event under a used id is refused', async () => {
    const t = await world();
    const id = await createOrder(t, [['SKU-P', 1]], PREPAID);
    await routed(t.tenantId, id);
    const body = { event_id: uid('dup-'), type: 'paid', amount: 10 };
    assert.equal((await pay(t, id, body)).status, 200);
    await eventually('approved', async () => (await stored(t.tenantId, id)).status === 'approved');
    const before = await stored(t.tenantId, id);
    const again = await pay(t, id, body);
    assert.equal(again.status, 200);
    assert.equal(again.body.data.duplicate, true);
    await unchanged(t, before);
    const clash = await pay(t, id, { ...body, type: 'refunded', amount: 5 });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.error.code, 'payment_event_conflict');
    await unchanged(t, before);
  });

  it('refunds: partial allowed, never more than was paid (409, nothing written)', async () => {
    const t = await world();
    const id = await createOrder(t, [['SKU-P', 1]], { payment: { method: 'prepaid', status: 'paid', currency: 'SAR', total: 10 } });
    await routed(t.tenantId, id);
    const part = await pay(t, id, { event_id: uid('rf-'), type: 'refunded', amount: 4, reason: 'damaged' });
    assert.equal(part.status, 200);
    assert.deepEqual([part.body.data.order.payment.status, part.body.data.order.payment.refunded_amount], ['partially_refunded', 4]);
    const before = await stored(t.tenantId, id);
    const tooMuch = await pay(t, id, { event_id: uid('rf-'), type: 'refunded', amount: 6.01 });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'refund_exceeds_paid');
    assert.equal(tooMuch.body.error.details.refundable, 6);
    await unchanged(t, before);
    const rest = await pay(t, id, { event_id: uid('rf-'), type: 'refunded', amount: 6 });
    assert.deepEqual([rest.body.data.order.payment.status, rest.body.data.order.payment.refunded_amount], ['refunded', 10]);
    const more = await pay(t, id, { event_id: uid('rf-'), type: 'refunded', amount: 0.01 });
    assert.equal(more.status, 409);
    // An unpaid COD order has nothing to refund.
    const cod = await createOrder(t, [['SKU-P', 1]]);
    await routed(t.tenantId, cod);
    const codBefore = await stored(t.tenantId, cod);
    assert.equal((await pay(t, cod, { event_id: uid('rf-'), type: 'refunded', amount: 1 })).body.error.code, 'refund_exceeds_paid');
    await unchanged(t, codBefore);
  });

  it('bad input is a clear 4xx and writes nothing', async () => {
    const t = await world();
    const id = await createOrder(t, [['SKU-P', 1]], PREPAID);
    const before = await routed(t.tenantId, id);
    const cases: [Record<string, unknown>, number, string, string?][] = [
      [{ type: 'paid' }, 400, 'validation_failed', 'event_id'],
      [{ event_id: 'x y', type: 'paid' }, 400, 'validation_failed', 'event_id'],
      [{ event_id: uid(), type: 'captured' }, 400, 'validation_failed', 'type'],
      [{ event_id: uid(), type: 'refunded' }, 400, 'validation_failed', 'amount'],
      [{ event_id: uid(), type: 'paid', amount: -1 }, 400, 'validation_failed', 'amount'],
      [{ event_id: uid(), type: 'paid', amount: 10.5 }, 400, 'validation_failed', 'amount'],
      [{ event_id: uid(), type: 'paid', currency: 'USD' }, 400, 'validation_failed', 'currency'],
      [{ event_id: uid(), type: 'paid', extra: 1 }, 400, 'validation_failed'],
      [{ event_id: uid(), type: 'cod_collected' }, 409, 'invalid_transition'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await pay(t, id, body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(body));
      if (field) assert.ok(JSON.stringify(res.body.error.details).includes(field), `${JSON.stringify(body)} names ${field}: ${JSON.stringify(res.body.error.details)}`);
    }
    await unchanged(t, before);
    assert.equal((await pay(t, 'ord_missing', { event_id: uid(), type: 'paid' })).status, 404);
    // Another tenant's order is answered exactly as a missing one.
    const other = await world();
    assert.equal((await pay(other, id, { event_id: uid(), type: 'paid' })).status, 404);
    await unchanged(t, before);
  });

  it('a failed payment after approval releases the stock and cancels the order (payment.on_failure: cancel)', async () => {
    const t = await world();
    await settings(t.tenantId, { hold_rules: { hold_unpaid_prepaid: false } });
    const id = await createOrder(t, [['SKU-P', 3]], PREPAID);
    assert.equal((await routed(t.tenantId, id)).status, 'approved');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 3);
    const res = await pay(t, id, { event_id: uid('f-'), type: 'failed', reason: 'card declined' });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.order.status, 'cancelled');
    assert.equal(res.body.data.order.payment.failure_reason, 'card declined');
    await eventually('stock released', async () => (await row(t.tenantId, 'H1', 'SKU-P'))!.reserved === 0);
    const order = await stored(t.tenantId, id);
    assert.ok(order.timeline.some((e) => e.kind === 'status_changed' && e.to === 'cancelled' && e.reason === 'payment_failed'));
    assert.equal((await getStack().oms.container.stockRouting.check.run(tenantScope(t.tenantId), { repair: false })).ok, true);
  });

  it('with payment.on_failure: hold the order goes back on hold, its stock released; paid later, it is routed again', async () => {
    const t = await world();
    await settings(t.tenantId, { hold_rules: { hold_unpaid_prepaid: false }, payment: { on_failure: 'hold' } });
    const id = await createOrder(t, [['SKU-P', 2]], PREPAID);
    assert.equal((await routed(t.tenantId, id)).status, 'approved');
    const res = await pay(t, id, { event_id: uid('f-'), type: 'failed' });
    assert.deepEqual([res.body.data.order.status, res.body.data.order.hold_reason], ['on_hold', 'payment_pending']);
    await eventually('stock released', async () => (await row(t.tenantId, 'H1', 'SKU-P'))!.reserved === 0);
    // A sweep of held orders must not approve an order whose payment failed.
    await getStack().oms.container.stockRouting.approveOnHold.sweep({ tenantId: t.tenantId, sellerId: t.sellerId });
    assert.equal((await stored(t.tenantId, id)).status, 'on_hold');
    assert.equal((await pay(t, id, { event_id: uid('p-'), type: 'paid' })).status, 200);
    await eventually('approved once paid', async () => (await stored(t.tenantId, id)).status === 'approved');
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 2);
  });

  it('a prepaid order unpaid after the tenant timeout is cancelled (payment_timeout) and releases its stock; a paid one is kept', async () => {
    const t = await world();
    await settings(t.tenantId, { hold_rules: { hold_unpaid_prepaid: false }, payment: { reservation_timeout_s: 1 } });
    const unpaid = await createOrder(t, [['SKU-P', 2]], PREPAID);
    const paid = await createOrder(t, [['SKU-P', 1]], PREPAID);
    assert.equal((await routed(t.tenantId, unpaid)).status, 'approved');
    assert.equal((await routed(t.tenantId, paid)).status, 'approved');
    assert.equal((await pay(t, paid, { event_id: uid('p-'), type: 'paid' })).status, 200);
    assert.equal((await row(t.tenantId, 'H1', 'SKU-P'))!.reserved, 3);
    await new Promise((r) => setTimeout(r, 1100));
    const cancelled = await getStack().oms.container.payments.service.releaseUnpaid(tenantScope(t.tenantId));
    assert.equal(cancelled, 1);
    const order = await stored(t.tenantId, unpaid);
    assert.equal(order.status, 'cancelled');
    assert.ok(order.timeline.some((e) => e.kind === 'status_changed' && e.reason === 'payment_timeout'));
    await eventually('its stock released', async () => (await row(t.tenantId, 'H1', 'SKU-P'))!.reserved === 1);
    assert.equal((await stored(t.tenantId, paid)).status, 'approved');
    // A second pass (another process, say) finds nothing more to do.
    assert.equal(await getStack().oms.container.payments.service.releaseUnpaid(tenantScope(t.tenantId)), 0);
    await eventually('timeout event relayed', async () => pusherNames(t.sellerId, unpaid).includes('payment.timed_out.v1'));
  });

  it('a held unpaid order times out too; auto_release off keeps it', async () => {
    const t = await world();
    await settings(t.tenantId, { payment: { reservation_timeout_s: 1, auto_release: false } });
    const id = await createOrder(t, [['SKU-P', 1]], PREPAID);
    assert.equal((await routed(t.tenantId, id)).hold_reason, 'payment_pending');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await getStack().oms.container.payments.service.releaseUnpaid(tenantScope(t.tenantId)), 0);
    assert.equal((await stored(t.tenantId, id)).status, 'on_hold');
    await settings(t.tenantId, { payment: { auto_release: true } });
    // The periodic task runs the same pass for every tenant.
    await getStack().oms.container.payments.timeoutSweep.runOnce();
    assert.equal((await stored(t.tenantId, id)).status, 'cancelled');
  });

  it('settings: payment section validated and shown with defaults', async () => {
    const t = await createTenant();
    const got = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders() });
    assert.deepEqual(got.body.data.payment, { on_failure: 'cancel', auto_release: true, reservation_timeout_s: getStack().config.payment.reservation_timeout_s });
    const bad = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { payment: { on_failure: 'refund' } }, headers: internalHeaders() });
    assert.equal(bad.status, 400);
    const zero = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { payment: { reservation_timeout_s: 0 } }, headers: internalHeaders() });
    assert.equal(zero.status, 400);
  });

  it('a refund on a return carries an amount applied to the payment (never more than paid); the restock re-evaluates held orders', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { A: 3 });
    const order = await approvedOrder(t, [{ sku: 'A', quantity: 3 }]); // prepaid, paid 30
    await sendWms(t, order.id, 'shipped');
    await untilStatus(t, order.id, 'shipped');
    await sendWms(t, order.id, 'delivered');
    await untilStatus(t, order.id, 'delivered');
    await eventually('stock consumed', async () => (await row(t.tenantId, 'H1', 'A'))!.on_hand === 0);
    const waiting = await createOrder(t, [['A', 1]]);
    assert.equal((await routed(t.tenantId, waiting)).hold_reason, 'insufficient_inventory');
    const ret = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 1, reason: 'damaged' }] });
    assert.equal(ret.status, 201);
    const returnId = ret.body.data.id;
    assert.equal((await t.seller('POST', `/returns/${returnId}/receive`, {})).status, 200);
    // The returned unit serves the order waiting for it.
    await eventually('held order approved after the return restock', async () => (await stored(t.tenantId, waiting)).status === 'approved', 30_000);

    const before = await stored(t.tenantId, order.id);
    const tooMuch = await t.seller('POST', `/returns/${returnId}/refund`, { amount: 30.01 });
    assert.deepEqual([tooMuch.status, tooMuch.body.error.code], [409, 'refund_exceeds_paid']);
    assert.equal((await t.seller('GET', `/returns/${returnId}`)).body.data.status, 'received');
    await unchanged(t, before);
    assert.equal((await t.seller('POST', `/returns/${returnId}/refund`, { amount: -1 })).status, 400);
    const refunded = await t.seller('POST', `/returns/${returnId}/refund`, { amount: 10, note: 'one unit' });
    assert.equal(refunded.status, 200);
    assert.deepEqual([refunded.body.data.status, refunded.body.data.refund_amount], ['refunded', 10]);
    const after = await stored(t.tenantId, order.id);
    assert.deepEqual([after.payment.status, after.payment.refunded_amount, after.payment_events!.at(-1)!.source], ['partially_refunded', 10, 'return']);
    // Repeating the refund changes nothing.
    assert.equal((await t.seller('POST', `/returns/${returnId}/refund`, { amount: 10 })).status, 200);
    assert.equal((await stored(t.tenantId, order.id)).payment.refunded_amount, 10);
  });
});
