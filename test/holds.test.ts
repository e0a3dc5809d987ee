import assert from 'node:assert/strict';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { createHub, createTenant, eventually, http } from './support/api.js';
import { getStack } from './support/stack.js';
import { createOrder, modules, routed, row, setStock, stockRepo, stored } from './stock-support.js';

/**
 * Issue 14 part 4: held orders are re-evaluated whenever their hold could clear (stock released
 * by a cancel, a hub added, the periodic sweep, a seller's request), oldest first per SKU,
 * without double-reserving.
 */
describe('holds: re-evaluated whenever they could clear', () => {
  it("an order held for stock is approved when another order's cancel frees the stock it needs", async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    await setStock(t, 'H1', 'SKU-C', 2);
    const first = await createOrder(t, [['SKU-C', 2]]);
    assert.equal((await routed(t.tenantId, first)).status, 'approved');
    const waiting = await createOrder(t, [['SKU-C', 2]]);
    const younger = await createOrder(t, [['SKU-C', 1]]);
    assert.deepEqual([(await routed(t.tenantId, waiting)).hold_reason, (await routed(t.tenantId, younger)).hold_reason], ['insufficient_inventory', 'insufficient_inventory']);
    assert.equal((await t.seller('POST', `/orders/${first}/cancel`, { reason: 'customer changed mind' })).status, 200);
    // The oldest waiting order gets the two freed units; the younger, smaller one does not jump the line.
    await eventually('held order approved after the cancel', async () => (await stored(t.tenantId, waiting)).status === 'approved', 30_000);
    assert.equal((await stored(t.tenantId, younger)).status, 'on_hold');
    const r = (await row(t.tenantId, 'H1', 'SKU-C'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available], [2, 2, 0]);
    assert.deepEqual(r.holds.map((h) => h.order_id), [waiting]);
    assert.equal((await modules().check.run(tenantScope(t.tenantId), { repair: false })).ok, true);
  });

  it('a hub added later serves the orders held for want of one', async () => {
    const t = await createTenant();
    const id = await createOrder(t, [['SKU-N', 1]]);
    assert.equal((await routed(t.tenantId, id)).hold_reason, 'no_serviceable_hub');
    // Stock recorded for the hub before the hub itself (as a WMS feed may do): no stock trigger fires.
    assert.equal(await stockRepo().insert(tenantScope(t.tenantId), 'H-NEW', 'SKU-N', 3), true);
    assert.equal((await stored(t.tenantId, id)).status, 'on_hold');
    await createHub(t.tenantId, { code: 'H-NEW' });
    await eventually('approved at the new hub', async () => (await stored(t.tenantId, id)).hub_code === 'H-NEW', 30_000);
    assert.equal((await stored(t.tenantId, id)).status, 'approved');
  });

  it('the periodic sweep re-evaluates every held order of every seller of a tenant', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const id = await createOrder(t, [['SKU-S', 1]]);
    assert.equal((await routed(t.tenantId, id)).hold_reason, 'insufficient_inventory');
    // Units that arrived without any trigger (written straight to the store).
    assert.equal(await stockRepo().insert(tenantScope(t.tenantId), 'H1', 'SKU-S', 1), true);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await stored(t.tenantId, id)).status, 'on_hold');
    const sellers = await modules().holds.tenant(tenantScope(t.tenantId), 'periodic');
    assert.equal(sellers, 1);
    await eventually('approved by the sweep', async () => (await stored(t.tenantId, id)).status === 'approved', 30_000);
    // A tenant with nothing held sends nothing.
    assert.equal(await modules().holds.tenant(tenantScope(t.tenantId), 'periodic'), 0);
  });

  it('a seller asks for a re-evaluation: POST /orders/approve-on-hold (all held, or one), scoped and validated', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const id = await createOrder(t, [['SKU-M', 1]]);
    assert.equal((await routed(t.tenantId, id)).status, 'on_hold');
    assert.equal(await stockRepo().insert(tenantScope(t.tenantId), 'H1', 'SKU-M', 1), true);
    const one = await t.seller('POST', '/orders/approve-on-hold', { order_id: id });
    assert.equal(one.status, 202);
    assert.deepEqual(one.body.data, { queued: true, order_id: id });
    await eventually('approved on request', async () => (await stored(t.tenantId, id)).status === 'approved', 30_000);
    const all = await t.seller('POST', '/orders/approve-on-hold', { all: true });
    assert.deepEqual([all.status, all.body.data.order_id], [202, null]);
    assert.equal((await t.internal('POST', '/orders/approve-on-hold', { all: true })).status, 202);
    // "All" is said, not implied by an empty body; one order or all, not both.
    assert.equal((await t.seller('POST', '/orders/approve-on-hold', {})).status, 400);
    assert.equal((await t.seller('POST', '/orders/approve-on-hold', { all: true, order_id: id })).status, 400);
    assert.equal((await t.seller('POST', '/orders/approve-on-hold', { all: false })).status, 400);
    // Bad input and other tenants' orders: refused.
    assert.equal((await t.seller('POST', '/orders/approve-on-hold', { order_id: 'ord_missing' })).status, 404);
    assert.equal((await t.seller('POST', '/orders/approve-on-hold', { order_ids: [id] })).status, 400);
    const other = await createTenant();
    assert.equal((await other.seller('POST', '/orders/approve-on-hold', { order_id: id })).status, 404);
    // A key without orders:write cannot.
    const key = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/sellers/${t.sellerId}/keys`, {
      body: { name: 'reader', scopes: ['orders:read'] },
      headers: { 'x-internal-token': getStack().config.server.internal_token },
    });
    assert.equal(key.status, 201);
    const denied = await http('POST', `/api/v1/sellers/${t.sellerId}/orders/approve-on-hold`, { body: { all: true }, headers: { authorization: `Bearer ${key.body.data.api_key}` } });
    assert.deepEqual([denied.status, denied.body.error.code], [403, 'insufficient_scope']);
  });
});
