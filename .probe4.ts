import { MongoClient } from 'mongodb';
const c = new MongoClient('mongodb://127.0.0.1:27017', { retryWrites: false });
await c.connect();
const db = c.db('probe_issue4_' + Date.now());
const col = db.collection<any>('stock');
await col.createIndexes([{ key: { tenant_id: 1, hub_code: 1, sku: 1 }, name: 'u', unique: true }, { key: { tenant_id: 1, 'holds.order_id': 1 }, name: 'h' }]);
// upsert with $setOnInsert and $ne filter
const r1 = await col.updateOne({ tenant_id: 't', hub_code: 'H', sku: 'S', applied: { $ne: 'k1' } }, { $inc: { on_hand: 5, available: 5, version: 1 }, $setOnInsert: { reserved: 0, holds: [] }, $push: { applied: 'k1' } }, { upsert: true });
console.log('upsert', r1.upsertedCount, r1.modifiedCount, await col.findOne({}));
try { await col.updateOne({ tenant_id: 't', hub_code: 'H', sku: 'S', applied: { $ne: 'k1' } }, { $inc: { on_hand: 5, available: 5 }, $setOnInsert: { reserved: 0, holds: [] }, $push: { applied: 'k1' } }, { upsert: true }); console.log('second upsert no error?!', await col.findOne({})); } catch (e: any) { console.log('dup code', e.code); }
// push with slice
try { await col.updateOne({ tenant_id: 't' }, { $push: { applied: { $each: ['k2', 'k3'], $slice: -2 } } }); console.log('slice', (await col.findOne({}))!.applied); } catch (e: any) { console.log('slice err', e.message); }
const at = new Date();
const h = await col.findOneAndUpdate({ tenant_id: 't', hub_code: 'H', sku: 'S', available: { $gte: 2 }, 'holds.order_id': { $ne: 'o1' } }, { $inc: { reserved: 2, available: -2 }, $push: { holds: { order_id: 'o1', quantity: 2, at } } }, { returnDocument: 'after' });
console.log('reserve', h);
const again = await col.updateOne({ tenant_id: 't', hub_code: 'H', sku: 'S', available: { $gte: 2 }, 'holds.order_id': { $ne: 'o1' } }, { $inc: { reserved: 2, available: -2 } });
console.log('again matched', again.matchedCount);
const found = await col.find({ tenant_id: 't', 'holds.order_id': 'o1' }).toArray();
console.log('scan', found.length);
const hold = found[0].holds[0];
const rel = await col.updateOne({ tenant_id: 't', hub_code: 'H', sku: 'S', holds: hold }, { $pullAll: { holds: [hold] }, $inc: { reserved: -2, available: 2 } });
console.log('release matched', rel.matchedCount, await col.findOne({}));
const rel2 = await col.updateOne({ tenant_id: 't', hub_code: 'H', sku: 'S', holds: hold }, { $pullAll: { holds: [hold] }, $inc: { reserved: -2, available: 2 } });
console.log('release again', rel2.matchedCount);
const agg = await col.aggregate([{ $match: { tenant_id: 't' } }, { $group: { _id: '$hub_code', n: { $sum: 1 } } }]).toArray();
console.log(agg);
await db.dropDatabase();
await c.close();
