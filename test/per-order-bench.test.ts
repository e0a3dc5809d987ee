import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { total } from '../scripts/bench/per-order/figures.js';
import { measurePerOrder } from '../scripts/bench/per-order/measure.js';
import { perOrderTable, targetsTable } from '../scripts/bench/per-order/table.js';
import { describeProcesses } from './support/cli.js';

/**
 * Smoke test of `npm run bench -- per-order` (issue #11): a small run in one process (the OMS
 * from its sources, on a private stack) yields the table's fields, and the store counters read
 * from the OMS process are non-zero and plausible. Timings are not asserted.
 */
describeProcesses('bench: per-order figures', function () {
  this.timeout(300_000);

  it('measures 20 API orders in one OMS process: every figure present, counters plausible', async () => {
    const orders = 20;
    const f = await measurePerOrder({ flow: 'api', shape: 'single', orders, lines: 2, concurrency: 4, warmup: 2, runner: 'tsx' });

    assert.equal(f.orders, orders, 'every order reached approved, and only the measured ones are counted (not the warm-up\'s)');
    assert.equal(f.refused, 0);
    assert.equal(f.deadLetters, 0);
    assert.equal(f.processes, 'all');
    assert.ok(f.ordersPerSecond > 0);
    for (const k of ['POST', 'created→approved']) {
      const [p50, p99] = f.latency[k] ?? [];
      assert.ok(p50 !== undefined && p99 !== undefined && p50 > 0 && p99 >= p50, `${k} p50 ${p50} p99 ${p99}`);
    }
    // Each order is inserted once at least, its events' effects claimed in DynamoDB, routed through a queue and its events published.
    assert.ok((f.mongo.insert ?? 0) >= 1, `inserts per order ${f.mongo.insert}`);
    assert.ok(total(f.mongo) >= 3 && total(f.mongo) < 1000, `mongo per order ${total(f.mongo)}`);
    // The same commands by collection: every order's insert lands in orders.
    assert.ok((f.mongoByCollection['insert orders'] ?? 0) >= 1, `inserts into orders per order ${f.mongoByCollection['insert orders']}`);
    assert.ok(Math.abs(total(f.mongoByCollection) - total(f.mongo)) < 0.25, `by collection ${total(f.mongoByCollection)} vs by command ${total(f.mongo)}`);
    assert.ok(total(f.redis) > 0 && total(f.redis) < 1000, `redis per order ${total(f.redis)}`);
    assert.ok((f.aws['dynamodb UpdateItem'] ?? 0) >= 1, `effect claims per order ${f.aws['dynamodb UpdateItem']}`);
    assert.ok((f.aws['sns PublishBatch'] ?? 0) >= 1, `event publications per order ${f.aws['sns PublishBatch']}`);
    assert.ok((f.aws['sqs SendMessage'] ?? 0) + (f.aws['sqs SendMessageBatch'] ?? 0) >= 1, 'queue sends per order');
    assert.ok(f.omsCpuMs > 0 && f.cpuMs['oms all'] === f.omsCpuMs);
    for (const p of ['ferretdb', 'redis', 'fauxqs', 'dynalite']) assert.ok(p in f.cpuMs, `CPU of ${p}`);
    assert.ok((f.cpuMs.ferretdb ?? 0) > 0, 'FerretDB worked for the orders');
    // Every process's CPU once: more than the OMS's and FerretDB's together, and the ceiling it sets on these cores.
    assert.ok(f.machineCpuMs > f.omsCpuMs + (f.cpuMs.ferretdb ?? 0), `machine CPU ${f.machineCpuMs}`);
    assert.ok(Math.abs(f.cpuCeiling - (availableParallelism() * 1000) / f.machineCpuMs) < 0.1, `ceiling ${f.cpuCeiling}`);

    const table = perOrderTable([f]);
    for (const row of ['end to end, orders/s', 'POST p50 / p99, ms', 'created→approved p50 / p99, ms', 'OMS CPU, ms/order', 'MongoDB commands/order', '· orders', 'Redis commands/order', 'SQS, SNS and DynamoDB calls/order', 'CPU ms/order: ferretdb', 'every process above once', 'cores carry at that CPU']) {
      assert.ok(table.includes(row), `table row ${row}`);
    }
    const targets = targetsTable([f]);
    assert.equal(targets.match(/: (met|\*\*not met\*\*) \|/g)?.length, 5, targets);
  });
});
