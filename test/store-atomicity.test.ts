import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RaceResult, RaceSpec } from './support/race-writer.js';
import { getStack } from './support/stack.js';

/**
 * The guarantees the order state machine and stock reservations build on, checked against the
 * store the tests run on (locally FerretDB behind the launcher's write gate, docs/adr/0005): a
 * conditional single-document update has exactly one winner, whatever the interleaving, for
 * racers in one process and in several.
 */
describe('store: conditional single-document updates are atomic', () => {
  const db = () => getStack().oms.container.platform.mongo.db;
  const probe = () => db().collection<{ _id: string; tenant_id: string; version?: number; available?: number; sku?: string; writer?: number; winners?: string[] }>('atomicity_probe');

  it('a guarded decrement never lets more through than the guard allows', async () => {
    const tenant = `ten_atomic_${Date.now()}`;
    await probe().insertOne({ _id: `${tenant}-x`, tenant_id: tenant, available: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => probe().updateOne({ tenant_id: tenant, _id: `${tenant}-x`, available: { $gte: 1 } }, { $inc: { available: -1 } })),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 10);
    assert.equal((await probe().findOne({ _id: `${tenant}-x` }))?.available, 0);
  });

  it('a version-guarded findOneAndUpdate has exactly one winner', async () => {
    const tenant = `ten_atomic_v_${Date.now()}`;
    await probe().insertOne({ _id: `${tenant}-v`, tenant_id: tenant, version: 1 });
    const winners = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        probe().findOneAndUpdate({ tenant_id: tenant, _id: `${tenant}-v`, version: 1 }, { $set: { writer: i }, $inc: { version: 1 } }, { returnDocument: 'after' }),
      ),
    );
    assert.equal(winners.filter(Boolean).length, 1);
    assert.equal((await probe().findOne({ _id: `${tenant}-v` }))?.version, 2);
  });

  it('writes by _id and by other filters on the same document never interleave', async () => {
    const tenant = `ten_atomic_m_${Date.now()}`;
    await probe().insertOne({ _id: `${tenant}-m`, tenant_id: tenant, sku: 'S', available: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? probe().updateOne({ tenant_id: tenant, _id: `${tenant}-m`, available: { $gte: 1 } }, { $inc: { available: -1 } })
          : probe().updateOne({ tenant_id: tenant, sku: 'S', available: { $gte: 1 } }, { $inc: { available: -1 } }),
      ),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 10);
    assert.equal((await probe().findOne({ _id: `${tenant}-m` }))?.available, 0);
  });

  it('two processes, each with its own client, racing on the same documents: one winner per version, no stock below zero', async () => {
    const { config } = getStack();
    const tenant = `ten_atomic_p_${Date.now()}`;
    const versionDocs = [`${tenant}-a`, `${tenant}-b`, `${tenant}-c`];
    const rounds = 15;
    await probe().insertMany([
      ...versionDocs.map((_id) => ({ _id, tenant_id: tenant, version: 1, winners: [] })),
      { _id: `${tenant}-stock`, tenant_id: tenant, sku: `${tenant}-sku`, available: 10 },
    ]);
    const spec: RaceSpec = {
      uri: config.mongodb.uri,
      database: config.mongodb.database,
      collection: 'atomicity_probe',
      tenant,
      versionDocs,
      rounds,
      stockId: `${tenant}-stock`,
      sku: `${tenant}-sku`,
      decrements: 30,
      racers: 6,
    };
    const results = await raceInProcesses(2, spec);

    for (const id of versionDocs) {
      const won = results.flatMap((r) => r.versionWins.filter(([doc]) => doc === id).map(([, v]) => v)).sort((a, b) => a - b);
      assert.deepEqual(won, Array.from({ length: rounds }, (_, i) => i + 1), `${id}: each version must be won exactly once`);
      const doc = await probe().findOne({ _id: id });
      assert.equal(doc?.version, rounds + 1);
      assert.equal(doc?.winners?.length, rounds);
    }
    // Both processes did take part (each won something), so the race was really between them.
    for (const r of results) assert.ok(r.versionWins.length + r.stockWins > 0, 'a racing process won nothing at all');
    assert.equal(results.reduce((n, r) => n + r.stockWins, 0), 10, '60 decrements of a stock of 10: exactly 10 go through');
    assert.equal((await probe().findOne({ _id: `${tenant}-stock` }))?.available, 0);
  });
});

const WRITER = fileURLToPath(new URL('./support/race-writer.ts', import.meta.url));

/** Starts `count` race-writer processes, releases them together once all are connected, and collects what each won. */
async function raceInProcesses(count: number, spec: RaceSpec): Promise<RaceResult[]> {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map((child) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
      child.once('exit', () => reject(new Error(`race writer exited before it was ready: ${err.trim()}`)));
    });
    const done = new Promise<RaceResult>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as RaceResult) : reject(new Error(`race writer failed (${code}): ${err.trim()}`)))),
    );
    done.catch(() => undefined); // awaited below; a child dead before "ready" is reported there
    return { ready, done };
  });
  try {
    await Promise.all(outputs.map((o) => o.ready));
    for (const child of children) child.stdin.end('go\n');
    return await Promise.all(outputs.map((o) => o.done));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
