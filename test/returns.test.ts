import assert from 'node:assert/strict';
import { createTenant, eventually } from './support/api.js';
import { approvedOrder, readOrder, sendWms, stockRow, stockedHub, untilStatus } from './fulfilment.fixtures.js';

async function deliveredOrder(t: Awaited<ReturnType<typeof createTenant>>) {
  await stockedHub(t, 'H1', { A: 10, B: 10 });
  const order = await approvedOrder(t, [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }]);
  await sendWms(t, order.id, 'shipped');
  await untilStatus(t, order.id, 'shipped');
  await sendWms(t, order.id, 'delivered');
  await untilStatus(t, order.id, 'delivered');
  await eventually('stock consumed', async () => ((await stockRow(t, 'H1', 'A')).on_hand === 7 ? true : null));
  return order;
}

describe('returns', () => {
  it('refuses returns of undelivered orders and of more than was delivered, counting earlier returns', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H0', { A: 5 });
    const approved = await approvedOrder(t, [{ sku: 'A', quantity: 1 }]);
    const early = await t.seller('POST', `/orders/${approved.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 1, reason: 'damaged' }] });
    assert.equal(early.status, 409);

    const order = await deliveredOrder(t);
    const tooMany = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 4, reason: 'damaged' }, { seller_sku_code: 'Z', quantity: 1, reason: 'x' }] });
    assert.equal(tooMany.status, 400);
    assert.deepEqual(tooMany.body.error.details.map((d: any) => d.field), ['items.0.quantity', 'items.1.seller_sku_code']);
    const bad = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 0 }] });
    assert.equal(bad.status, 400);

    const first = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 2, reason: 'wrong size' }] });
    assert.equal(first.status, 201);
    assert.equal(first.body.data.status, 'requested');
    const second = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 2, reason: 'wrong size' }] });
    assert.equal(second.status, 400);
    assert.match(second.body.error.details[0].message, /at most 1/);
    const last = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 1, reason: 'x' }, { seller_sku_code: 'B', quantity: 1, reason: 'x' }] });
    assert.equal(last.status, 201);
    const o = await readOrder(t, order.id);
    assert.equal(o.timeline.filter((e) => e.kind === 'return_requested').length, 2);
    const other = await createTenant();
    assert.equal((await other.seller('GET', `/returns/${first.body.data.id}`)).status, 404);
    assert.equal((await other.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 1, reason: 'x' }] })).status, 404);
  });

  it('restocks the hub once on receipt, then refunds; moves out of order are refused', async () => {
    const t = await createTenant();
    const order = await deliveredOrder(t);
    const ret = (await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 2, reason: 'damaged' }] })).body.data;
    assert.equal((await t.seller('POST', `/returns/${ret.id}/refund`, {})).status, 409);
    const received = await Promise.all([t.seller('POST', `/returns/${ret.id}/receive`, {}), t.seller('POST', `/returns/${ret.id}/receive`, {})]);
    assert.deepEqual(received.map((r) => r.status), [200, 200]);
    assert.deepEqual(await stockRow(t, 'H1', 'A'), { on_hand: 9, reserved: 0, available: 9 });
    assert.equal((await t.seller('POST', `/returns/${ret.id}/receive`, {})).status, 200);
    assert.equal((await stockRow(t, 'H1', 'A')).on_hand, 9);
    const refunded = await t.seller('POST', `/returns/${ret.id}/refund`, { note: 'card refund' });
    assert.equal(refunded.body.data.status, 'refunded');
    assert.deepEqual(refunded.body.data.history.map((h: any) => h.to), ['requested', 'received', 'refunded']);
    const got = await t.seller('GET', `/returns/${ret.id}`);
    assert.equal(got.body.data.status, 'refunded');
  });

  it('frees the quantity of a return withdrawn before receipt', async () => {
    const t = await createTenant();
    const order = await deliveredOrder(t);
    const ret = (await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'B', quantity: 1, reason: 'x' }] })).body.data;
    assert.equal((await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'B', quantity: 1, reason: 'x' }] })).status, 400);
    assert.equal((await t.seller('POST', `/returns/${ret.id}/close`, {})).body.data.status, 'closed');
    assert.equal((await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'B', quantity: 1, reason: 'x' }] })).status, 201);
  });
});
