import assert from 'node:assert/strict';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { createHub, createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';
import { holdsSum, modules, orderBody, row, setStock } from './stock-support.js';

describe('stock: hot SKU under concurrent routing', () => {
  it('100 units, 300 one-unit orders through the queue: exactly 100 reserved, 200 on hold, never oversold', async function () {
    this.timeout(300_000);
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'HOT' });
    await setStock(t, 'HOT', 'SKU-HOT', 100);
    const db = getStack().oms.container.platform.mongo.db;
    const count = (filter: Record<string, unknown>) => db.collection('orders').countDocuments({ tenant_id: t.tenantId, ...filter });

    // Sample the row while the workers race: available never negative, reserved never above on_hand, counters = holds.
    const violations: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const r = await row(t.tenantId, 'HOT', 'SKU-HOT');
        if (r && (r.available < 0 || r.reserved > r.on_hand || r.reserved !== holdsSum(r) || r.available !== r.on_hand - r.reserved)) {
          violations.push(JSON.stringify({ on_hand: r.on_hand, reserved: r.reserved, available: r.available, holds: holdsSum(r) }));
        }
        await new Promise((res) => setTimeout(res, 100)); // reads compete with the workers for FerretDB
      }
    })();

    // 300 sales-channel orders through the create-order queue, handled by several workers at once;
    // each new order is routed by the hub-routing workers, all racing for the same stock row.
    const started = Date.now();
    await getStack().oms.container.platform.queues.sendMany(
      'createOrder',
      Array.from({ length: 300 }, () => ({ event: 'create_order', tenant_id: t.tenantId, seller_id: t.sellerId, order: orderBody([['SKU-HOT', 1]]) })),
    );
    await eventually(
      'all 300 orders created and routed',
      async () => {
        const [all, pending] = await Promise.all([count({}), count({ status: 'pending' })]);
        if (process.env.HOT_DEBUG) console.log(((Date.now() - started) / 1000).toFixed(1), { all, pending });
        return all === 300 && pending === 0;
      },
      240_000,
      1000,
    );
    sampling = false;
    await sampler;
    const seconds = (Date.now() - started) / 1000;

    assert.deepEqual(violations, []);
    assert.equal(await count({ status: 'approved' }), 100);
    assert.equal(await count({ status: 'on_hold', hold_reason: 'insufficient_inventory' }), 200);
    const r = (await row(t.tenantId, 'HOT', 'SKU-HOT'))!;
    assert.deepEqual([r.on_hand, r.reserved, r.available, r.holds.length], [100, 100, 0, 100]);
    const report = await modules().check.run(tenantScope(t.tenantId), { repair: false });
    assert.equal(report.ok, true, JSON.stringify(report.differences.slice(0, 5)));
    console.log(`      hot SKU: 300 orders routed in ${seconds.toFixed(1)} s`);
  });
});
