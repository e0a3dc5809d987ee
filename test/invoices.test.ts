import assert from 'node:assert/strict';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';
import { approvedOrder, readOrder, sendWms, stockedHub } from './fulfilment.fixtures.js';

describe('invoices', () => {
  it('numbers 50 orders shipped at once 1..50: distinct, consecutive, no gaps', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { S: 100 });
    const orders = await Promise.all(Array.from({ length: 50 }, () => approvedOrder(t, [{ sku: 'S', quantity: 1 }])));
    const { queues } = getStack().oms.container.platform;
    await queues.sendMany(
      'shipment',
      orders.map((o) => ({ event: 'order_status_update', tenant_id: t.tenantId, seller_id: t.sellerId, order_id: o.id, status: 'shipped', occurred_at: new Date().toISOString() })),
    );
    const numbers = await eventually(
      'every order invoiced',
      async () => {
        const all = await Promise.all(orders.map((o) => readOrder(t, o.id)));
        return all.every((o) => o.invoice_number) ? all.map((o) => o.invoice_number as string) : null;
      },
      45_000,
      250,
    );
    assert.deepEqual([...numbers].sort(), Array.from({ length: 50 }, (_, i) => `INV-${String(i + 1).padStart(6, '0')}`));
    const byNumber = await t.seller('GET', '/invoices/INV-000050');
    assert.equal(byNumber.status, 200);
    assert.ok(orders.some((o) => o.id === byNumber.body.data.order_id));
  });

  it('has no invoice before shipping, and another tenant cannot read it', async () => {
    const t = await createTenant();
    const other = await createTenant();
    await stockedHub(t, 'H1', { S: 5 });
    const order = await approvedOrder(t, [{ sku: 'S', quantity: 3, unit_price: 3.33 }]);
    assert.equal((await t.seller('GET', `/orders/${order.id}/invoice`)).status, 404);
    await sendWms(t, order.id, 'shipped');
    const inv = await eventually('invoice issued', async () => {
      const r = await t.seller('GET', `/orders/${order.id}/invoice`);
      return r.status === 200 ? r.body.data : null;
    });
    assert.deepEqual([inv.subtotal, inv.tax_total, inv.total, inv.currency], [9.99, 1.5, 11.49, 'SAR']);
    assert.equal((await other.seller('GET', `/orders/${order.id}/invoice`)).status, 404);
    assert.equal((await other.seller('GET', `/invoices/${inv.invoice_number}`)).status, 404);
  });
});
