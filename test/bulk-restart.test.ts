import assert from 'node:assert/strict';
import { BulkJobRepository } from '../core/bulk/bulk-job.repository.js';
import { BulkJobRunner } from '../core/bulk/bulk-job.runner.js';
import { ServiceItemExecutor, type BulkItemExecutor } from '../core/bulk/bulk-item.executor.js';
import { AppError } from '../core/domain/errors.js';
import { sellerScope } from '../core/domain/tenant-scope.js';
import { registerBulkHandlers } from '../core/bulk/bulk.handler.js';
import { HandlerGroup } from '../core/workers/runtime/handler-group.js';
import { Listener } from '../core/workers/runtime/listener.js';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';

function orderBody(n: number): Record<string, unknown> {
  return {
    order_id: `RST-${n}`,
    sales_channel: { name: 'shopify', order_id: `rst-${n}` },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
    customer: { name: 'Aisha Khan', email: null, phone: null },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA' },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
  };
}

/** Every create call by order id, and a switch that makes the worker "die" after K creates. */
class CrashingExecutor implements BulkItemExecutor {
  readonly calls: string[] = [];
  crashed = false;

  constructor(
    private readonly real: BulkItemExecutor,
    private readonly crashAfter: number,
  ) {}

  async createOrder(...args: Parameters<BulkItemExecutor['createOrder']>) {
    if (this.crashed) throw AppError.unavailable('simulated crash', null);
    this.calls.push((args[1] as { order_id: string }).order_id);
    const result = await this.real.createOrder(...args);
    // The K-th order is made but its item outcome is never written: the worst moment to die.
    if (this.calls.length >= this.crashAfter) {
      this.crashed = true;
      throw AppError.unavailable('simulated crash', null);
    }
    return result;
  }
  approve(...args: Parameters<BulkItemExecutor['approve']>) {
    return this.real.approve(...args);
  }
  cancel(...args: Parameters<BulkItemExecutor['cancel']>) {
    return this.real.cancel(...args);
  }
  assignHub(...args: Parameters<BulkItemExecutor['assignHub']>) {
    return this.real.assignHub(...args);
  }
  findOrder(...args: Parameters<BulkItemExecutor['findOrder']>) {
    return this.real.findOrder(...args);
  }
}

/** The bulk_action handler as the worker registers it, over a runner of the test's own. */
function bulkHandler(runner: BulkJobRunner) {
  const group = new HandlerGroup(async (tenantId, sellerId) => sellerScope(tenantId, sellerId));
  registerBulkHandlers(group, runner);
  return group.list()[0]!.handler;
}

describe('bulk jobs: a worker restart mid-job', function () {
  this.timeout(300_000);

  it('neither repeats finished items nor skips any', async () => {
    const { oms } = getStack();
    const platform = oms.container.platform;
    const db = platform.mongo.db;
    const { orders, stockRouting } = oms.container;
    const real = new ServiceItemExecutor(orders.service, stockRouting.routing, (s, id) => orders.repository.findById(s, id));
    const repo = new BulkJobRepository(db);
    const deps = { queues: platform.queues, logger: platform.logger, telemetry: platform.telemetry, metrics: platform.metrics };
    const listenerFor = (executor: BulkItemExecutor) =>
      new Listener(
        'bulk_action',
        platform.queues.name('bulkAction'),
        platform.queues.dlqName('bulkAction'),
        bulkHandler(new BulkJobRunner(repo, executor, platform.realtime, platform.eventStream, platform.logger, { batchSize: 5, concurrency: 2, itemTries: 1 })),
        // A short visibility (extended while a handler runs) so the crashed worker's message returns in
        // seconds, not the queue's 120 s: what is tested is what the redelivery does, not how long it takes.
        { workerCount: 1, concurrencyPerWorker: 1, visibilityTimeoutS: 8, waitTimeSeconds: 1, retryBaseDelayS: 1 },
        deps,
      );

    // Take the fixture's bulk worker out; ours stand in for "before" and "after" the restart.
    const workers = oms.workers!;
    const slot = workers.listeners.findIndex((l) => l.name === 'bulk_action');
    const fixtureWorker = workers.listeners[slot]!;
    await fixtureWorker.stop();
    const ours: Listener[] = [];
    try {

    const t = await createTenant();
    const total = 24;
    const res = await t.seller('POST', '/orders/bulk-create', { orders: Array.from({ length: total }, (_, i) => orderBody(i)) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const jobId: string = res.body.data.job_id;
    const scope = sellerScope(t.tenantId, t.sellerId);

    const before = new CrashingExecutor(real, 9);
    const first = listenerFor(before);
    ours.push(first);
    await first.start();
    await eventually('the first worker to die mid-job', async () => before.crashed && first.inFlightCount === 0 && (await repo.find(scope, jobId))?.lease_owner === null, 120_000, 200);
    await first.stop();

    const snapshot = await repo.allItems(scope, jobId);
    const doneBefore = snapshot.filter((i) => i.status === 'succeeded').map((i) => `RST-${i.index}`);
    const crashItem = `RST-${before.calls.length - 1}`;
    assert.ok(doneBefore.length >= 5 && doneBefore.length < total, `done before the crash: ${doneBefore.length}`);
    assert.ok(!doneBefore.includes(crashItem), 'the crash item has no outcome yet');

    const after = new CrashingExecutor(real, Number.POSITIVE_INFINITY);
    const second = listenerFor(after);
    ours.push(second);
    await second.start();

    const job = await eventually('the job to finish after the restart', async () => {
      const r = await t.seller('GET', `/bulk-jobs/${jobId}?per_page=100`);
      return r.body.data?.status === 'completed' ? r.body.data : null;
    }, 200_000, 300);
    assert.equal(job.total, total);
    assert.equal(job.succeeded, total);
    assert.equal(job.failed, 0);

    // no repeats: nothing finished before the crash ran again
    assert.deepEqual(after.calls.filter((c) => doneBefore.includes(c)), []);
    // no skips: everything else ran after it, the crash item included, each once
    const rest = [...Array(total).keys()].map((i) => `RST-${i}`).filter((c) => !doneBefore.includes(c));
    assert.deepEqual([...after.calls].sort(), rest.sort());
    const crashed = job.items.find((i: any) => i.order_id === crashItem);
    assert.equal(crashed.status, 'succeeded');
    assert.equal(crashed.result.redone, true, 'its order was made before the crash; the redo found it');
    const list = await t.seller('GET', '/orders?per_page=1');
    assert.equal(list.body.meta.total, total, 'one order per item');
    } finally {
      // The fixture's own bulk worker takes over again for the rest of the run.
      await Promise.all(ours.map((l) => l.stop(5000)));
      await fixtureWorker.start();
    }
  });
});
