import assert from 'node:assert/strict';
import { loadConfig } from '../configs/config.js';
import { createSqsClient } from '../core/platform/aws.js';
import { Queues } from '../core/platform/queues.js';
import { ApiClient, type Answer } from '../scripts/bench/per-order/api-client.js';
import { ChaosCluster } from '../scripts/chaos/chaos-cluster.js';
import { startChaosStack, type ChaosStack } from '../scripts/chaos/chaos-stack.js';
import { chaosOrderBody, createChaosWorld, type ChaosWorld } from '../scripts/chaos/chaos-world.js';
import { buildOnce, describeProcesses } from './support/cli.js';

/**
 * Issue #12 part 4, on a private stack (its FerretDB, Redis and SQS endpoint are killed and
 * started again) and one OMS process from dist/: readiness names what is down, the API answers
 * 503 dependency_unavailable without hanging, workers pause instead of burning receives, and all
 * resume by themselves.
 */
describeProcesses('graceful under pressure: a store, Redis or SQS down', function () {
  this.timeout(600_000);
  let stack: ChaosStack;
  let cluster: ChaosCluster;
  let api: ApiClient;
  let world: ChaosWorld;
  let queues: Queues;

  before(async () => {
    buildOnce();
    stack = await startChaosStack();
    cluster = new ChaosCluster(stack, { OMS_WORKERS__BULK_ACTION__ENABLED: 'false' });
    await cluster.start('single');
    api = new ApiClient(cluster.baseUrl);
    world = await createChaosWorld(api, { orders: 10, hotUnits: 3 });
    const config = loadConfig();
    queues = new Queues(createSqsClient({ ...config.aws, sqs: { ...config.aws.sqs, endpoint: stack.sqsEndpoint } }), config.aws.sqs.queue_prefix);
  });

  after(async () => {
    queues?.sqs.destroy();
    await cluster?.stop();
    await stack?.stop();
  });

  async function timed(call: () => Promise<Answer>): Promise<{ res: Answer; ms: number }> {
    const t0 = Date.now();
    const res = await call();
    return { res, ms: Date.now() - t0 };
  }

  async function until<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = await probe().catch(() => null);
      if (got) return got;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const ready = () => api.call('GET', '/health/ready', undefined, {}, 10_000);

  for (const [part, check] of [
    ['redis', 'redis'],
    ['ferretdb', 'mongodb'],
    ['sqs', 'sqs'],
  ] as const) {
    it(`${part} down: readiness names ${check}, the API answers fast, and everything comes back by itself`, async () => {
      assert.equal((await ready()).status, 200);
      await stack.kill(part);
      try {
        const r = await until('readiness to see it', async () => {
          const res = await ready();
          return res.status === 503 ? res : null;
        });
        assert.match(r.body.checks[check], /^unavailable/, JSON.stringify(r.body));
        const { res, ms } = await timed(() => world.seller('POST', '/orders', chaosOrderBody(world, `G-${part}-${Date.now()}`, 1, false)));
        // Either it did not need the part (201), or it says so: never a hang, never a 500.
        assert.ok([201, 503].includes(res.status), `${res.status} ${JSON.stringify(res.body)}`);
        if (res.status === 503) assert.equal(res.body.error.code, 'dependency_unavailable');
        assert.ok(ms < 12_000, `answered in ${ms} ms`);
      } finally {
        await stack.start(part);
      }
      await until('ready again', async () => (await ready()).status === 200);
    });
  }

  it('a worker pauses while the store is down and the message succeeds afterwards (not dead-lettered)', async () => {
    const ref = `G-pause-${Date.now()}`;
    await stack.kill('ferretdb');
    try {
      await queues.send('createOrder', { event: 'create_order', tenant_id: world.tenantId, seller_id: world.sellerId, order: chaosOrderBody(world, ref, 2, false) });
      // Long enough that five receives with back-off would have dead-lettered it.
      await new Promise((r) => setTimeout(r, 45_000));
    } finally {
      await stack.start('ferretdb');
    }
    const order = await until('the order created', async () => {
      const res = await world.seller('GET', `/orders?q=${ref}`);
      return res.status === 200 && res.body.data.length === 1 ? res.body.data[0] : null;
    }, 120_000);
    assert.equal(order.order_id, ref);
    const dlq = await queues.depth(queues.dlqName('createOrder'));
    assert.equal(dlq.visible + dlq.inFlight, 0, 'nothing dead-lettered');
  });
});
