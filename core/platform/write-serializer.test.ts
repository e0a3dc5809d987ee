import assert from 'node:assert/strict';
import { getStack } from '../../test/support/stack.js';

/**
 * The guarantees the order state machine and stock reservations build on, checked against the
 * store the tests run on (FerretDB, through the platform's db): a conditional single-document
 * update has exactly one winner, whatever the interleaving.
 */
describe('platform: conditional updates are atomic on the configured store', () => {
  const db = () => getStack().oms.container.platform.mongo.db;

  it('a guarded decrement never lets more through than the guard allows', async () => {
    const col = db().collection<{ _id: string; tenant_id: string; available: number }>('atomicity_probe');
    const tenant = `ten_atomic_${Date.now()}`;
    await col.insertOne({ _id: `${tenant}-x`, tenant_id: tenant, available: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => col.updateOne({ tenant_id: tenant, _id: `${tenant}-x`, available: { $gte: 1 } }, { $inc: { available: -1 } })),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 10);
    assert.equal((await col.findOne({ _id: `${tenant}-x` }))?.available, 0);
  });

  it('a version-guarded findOneAndUpdate has exactly one winner', async () => {
    const col = db().collection<{ _id: string; tenant_id: string; version: number; writer?: number }>('atomicity_probe');
    const tenant = `ten_atomic_v_${Date.now()}`;
    await col.insertOne({ _id: `${tenant}-v`, tenant_id: tenant, version: 1 });
    const winners = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        col.findOneAndUpdate({ tenant_id: tenant, _id: `${tenant}-v`, version: 1 }, { $set: { writer: i }, $inc: { version: 1 } }, { returnDocument: 'after' }),
      ),
    );
    assert.equal(winners.filter(Boolean).length, 1);
    assert.equal((await col.findOne({ _id: `${tenant}-v` }))?.version, 2);
  });

  it('writes by _id and by other filters on the same document never interleave', async () => {
    const col = db().collection<{ _id: string; tenant_id: string; sku: string; available: number }>('atomicity_probe');
    const tenant = `ten_atomic_m_${Date.now()}`;
    await col.insertOne({ _id: `${tenant}-m`, tenant_id: tenant, sku: 'S', available: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? col.updateOne({ tenant_id: tenant, _id: `${tenant}-m`, available: { $gte: 1 } }, { $inc: { available: -1 } })
          : col.updateOne({ tenant_id: tenant, sku: 'S', available: { $gte: 1 } }, { $inc: { available: -1 } }),
      ),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 10);
    assert.equal((await col.findOne({ _id: `${tenant}-m` }))?.available, 0);
  });
});
