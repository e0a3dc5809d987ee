import assert from 'node:assert/strict';
import { sellerScope } from '../core/domain/tenant-scope.js';
import { StockTransferRepository } from '../core/inventory/stock-transfer.repository.js';
import { createHub, createTenant, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { modules, row, setStock, stockRepo } from './stock-support.js';

function transferRepo(): StockTransferRepository {
  return new StockTransferRepository(getStack().oms.container.platform.mongo.db);
}

async function onHand(t: TestTenant, sku: string): Promise<[number, number]> {
  return [(await row(t.tenantId, 'H1', sku))?.on_hand ?? 0, (await row(t.tenantId, 'H2', sku))?.on_hand ?? 0];
}

async function twoHubs(stock: number): Promise<TestTenant> {
  const t = await createTenant();
  await createHub(t.tenantId, { code: 'H1' });
  await createHub(t.tenantId, { code: 'H2' });
  await setStock(t, 'H1', 'SKU-T', stock);
  return t;
}

const body = { from_hub_code: 'H1', to_hub_code: 'H2', sku: 'SKU-T', quantity: 3 };
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('stock transfers: recorded first, recovered after a crash between the legs', () => {
  it('a transfer killed after its out-leg is completed once by recovery; a retried request answers it without moving units again', async () => {
    const t = await twoHubs(10);
    const scope = sellerScope(t.tenantId, t.sellerId);
    // The state a process killed between the legs leaves: the record, and only the out-leg applied.
    await transferRepo().insertOrFind(scope, { id: 'key:crash-1', ...body });
    assert.equal((await stockRepo().adjust(scope, 'H1', 'SKU-T', -3, 'xfer:key:crash-1:out')).kind, 'applied');
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 0]);

    // Younger than the grace: a live request may still be running it.
    assert.equal(await modules().transfers.recoverPending(scope, 60_000), 0);
    await settle();
    assert.equal(await modules().transfers.recoverPending(scope, 0), 1);
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 3]);
    assert.equal((await t.seller('GET', '/stock-transfers/key:crash-1')).body.data.state, 'done');

    assert.equal(await modules().transfers.recoverPending(scope, 0), 0);
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 3]);

    const retried = await t.seller('POST', '/stock-transfers', body, { 'idempotency-key': 'crash-1' });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.deepEqual([retried.body.data.transfer_id, retried.body.data.state, retried.body.data.from.on_hand, retried.body.data.to.on_hand], ['key:crash-1', 'done', 7, 3]);
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 3]);
  });

  it('a retried request completes a transfer its first attempt left between the legs', async () => {
    const t = await twoHubs(10);
    const scope = sellerScope(t.tenantId, t.sellerId);
    await transferRepo().insertOrFind(scope, { id: 'key:crash-2', ...body });
    await stockRepo().adjust(scope, 'H1', 'SKU-T', -3, 'xfer:key:crash-2:out');
    const retried = await t.seller('POST', '/stock-transfers', body, { 'idempotency-key': 'crash-2' });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 3]);
    await settle();
    assert.equal(await modules().transfers.recoverPending(scope, 0), 0);
    assert.deepEqual(await onHand(t, 'SKU-T'), [7, 3]);
  });

  it('recovery fails a transfer whose out-leg never applied when the source is short, and voids that leg for good', async () => {
    const t = await twoHubs(10);
    const scope = sellerScope(t.tenantId, t.sellerId);
    await transferRepo().insertOrFind(scope, { id: 'key:crash-3', ...body, quantity: 8 });
    await setStock(t, 'H1', 'SKU-T', 5); // the units went elsewhere before anything moved
    await settle();
    assert.equal(await modules().transfers.recoverPending(scope, 0), 1);
    assert.equal((await transferRepo().find(scope, 'key:crash-3'))!.state, 'failed');
    assert.deepEqual(await onHand(t, 'SKU-T'), [5, 0]);
    // Stock is back, but a failed transfer stays failed: the out-leg can no longer apply.
    await setStock(t, 'H1', 'SKU-T', 20);
    const retried = await t.seller('POST', '/stock-transfers', { ...body, quantity: 8 }, { 'idempotency-key': 'crash-3' });
    assert.equal(retried.status, 409);
    assert.equal(retried.body.error.code, 'insufficient_stock');
    assert.equal((await stockRepo().adjust(scope, 'H1', 'SKU-T', -8, 'xfer:key:crash-3:out')).kind, 'duplicate');
    assert.deepEqual(await onHand(t, 'SKU-T'), [20, 0]);
  });

  it('answers a transfer by id, refuses a reused key with another body and a short source, writing nothing', async () => {
    const t = await twoHubs(5);
    const first = await t.seller('POST', '/stock-transfers', { ...body, quantity: 2 }, { 'idempotency-key': 'k-1' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const got = await t.seller('GET', '/stock-transfers/key:k-1');
    assert.equal(got.status, 200);
    assert.deepEqual([got.body.data.state, got.body.data.quantity, got.body.data.from_hub_code], ['done', 2, 'H1']);
    const reused = await t.seller('POST', '/stock-transfers', { ...body, quantity: 1 }, { 'idempotency-key': 'k-1' });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'idempotency_key_reused');
    const short = await t.seller('POST', '/stock-transfers', { ...body, quantity: 4 }, { 'idempotency-key': 'k-2' });
    assert.equal(short.status, 409);
    assert.equal((await t.seller('GET', '/stock-transfers/key:k-2')).status, 404);
    assert.deepEqual(await onHand(t, 'SKU-T'), [3, 2]);
    const other = await createTenant();
    assert.equal((await other.seller('GET', '/stock-transfers/key:k-1')).status, 404);
    const badId = await t.seller('GET', `/stock-transfers/${encodeURIComponent('not an id!')}`);
    assert.equal(badId.status, 400);
    assert.deepEqual(badId.body.error.details.map((d: { field: string }) => d.field), ['path.transfer_id']);
  });
});
