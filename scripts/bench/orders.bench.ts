import { performance } from 'node:perf_hooks';
import { createTenant } from '../../test/support/api.js';
import { getStack } from '../../test/support/stack.js';
import { orderBody } from '../../test/orders-support.js';
import { measure, percentile, type BenchResult, type BenchScenario } from './harness.js';

const API_ORDERS = Number(process.env.BENCH_ORDERS ?? 100);
const API_CONCURRENCY = 20;
const QUEUE_ORDERS = Number(process.env.BENCH_ORDERS ?? 100);

/** Order creation through the public API (HTTP round trip) and through oms-create-order-queue (send to stored). */
const scenario: BenchScenario = {
  name: 'orders',
  async run(): Promise<BenchResult[]> {
    const t = await createTenant('bench orders');
    const api = await measure(API_ORDERS, API_CONCURRENCY, async () => {
      const res = await t.seller('POST', '/orders', orderBody());
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    });

    const { queues, mongo } = getStack().oms.container.platform;
    const q = await createTenant('bench orders queue');
    const sentAt = new Map<string, number>();
    const wallStart = performance.now();
    const epochStart = Date.now();
    const bodies = Array.from({ length: QUEUE_ORDERS }, () => ({ event: 'create_order', tenant_id: q.tenantId, seller_id: q.sellerId, order: orderBody() }));
    for (let i = 0; i < bodies.length; i += 50) {
      const batch = bodies.slice(i, i + 50);
      const at = Date.now();
      for (const b of batch) sentAt.set(b.order.order_id, at);
      await queues.sendMany('createOrder', batch);
    }
    const orders = mongo.db.collection('orders');
    const deadline = Date.now() + 45_000;
    while ((await orders.countDocuments({ tenant_id: q.tenantId })) < QUEUE_ORDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const seconds = (performance.now() - wallStart) / 1000;
    const docs = await orders.find({ tenant_id: q.tenantId }, { projection: { order_id: 1, created_at: 1 } }).toArray();
    const latencies = docs.map((d) => (d.created_at as Date).getTime() - (sentAt.get(d.order_id as string) ?? epochStart)).sort((a, b) => a - b);
    return [
      {
        scenario: `create order via API (${API_ORDERS} orders, ${API_CONCURRENCY} concurrent)`,
        figures: { 'orders/s': api.perSecond, 'p50 ms': api.p50, 'p99 ms': api.p99 },
        notes: 'POST /orders round trip: validation, DynamoDB order number, insert with outbox, inline relay (route_order + order.created.v1)',
      },
      {
        scenario: `create order via SQS (${QUEUE_ORDERS} messages)`,
        figures: { 'orders/s': Math.round((docs.length / seconds) * 10) / 10, 'p50 ms': percentile(latencies, 50), 'p99 ms': percentile(latencies, 99), stored: docs.length },
        notes: 'send to oms-create-order-queue until the order is stored (create_order listener, default 2 workers x 10)',
      },
    ];
  },
};

export default scenario;
