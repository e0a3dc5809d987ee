import { MongoClient } from 'mongodb';
import { loadConfig } from '../../../configs/config.js';
import { createSqsClient } from '../../../core/platform/aws.js';
import { Queues } from '../../../core/platform/queues.js';
import { ApiClient } from './api-client.js';
import { perOrderFigures, type PerOrderFigures } from './figures.js';
import { runFlow, type Flow } from './flows.js';
import { startShape, type Runner, type Shape } from './oms-processes.js';
import { OrderWatch } from './order-watch.js';
import { startPrivateStack } from './private-stack.js';
import { snapshot } from './snapshot.js';
import { createWorld } from './world.js';

export interface PerOrderOptions {
  flow: Flow;
  shape: Shape;
  orders: number;
  lines: number;
  concurrency: number;
  /** Orders placed first, on a tenant of their own, and not measured (0: none). */
  warmup: number;
  runner: Runner;
  log?: (message: string) => void;
}

const SKUS = 50;
/** The warm-up tenant's SKUs: enough for its orders' lines to differ. */
const WARMUP_SKUS = 10;

/**
 * One measured run: a fresh private stack, the OMS in the given shape, a warm-up (a few orders
 * of the same flow on a tenant of their own, not measured: the processes' first calls load
 * Redis scripts, open pool connections and compile hot code, costs an order pays once per
 * process, not per order), a new user's world (tenant with auto-approval, 3 hubs, 50 SKUs with
 * ample stock), then the flow's orders. The counters and CPU times are read once everything set
 * up has settled and again once the orders' effects have settled (outboxes and queues empty),
 * so the differences are the orders' own.
 */
export async function measurePerOrder(o: PerOrderOptions): Promise<PerOrderFigures> {
  const log = o.log ?? (() => undefined);
  const config = loadConfig();
  const stack = await startPrivateStack(log);
  try {
    const cluster = await startShape(o.shape, stack, o.runner);
    // Bounded, so a store that stops answering fails this column instead of hanging the bench.
    const mongo = new MongoClient(stack.mongoUri, { serverSelectionTimeoutMS: 30_000, socketTimeoutMS: 60_000 });
    const sqs = createSqsClient({ ...config.aws, sqs: { ...config.aws.sqs, endpoint: stack.sqsEndpoint } });
    try {
      const api = new ApiClient(cluster.baseUrl);
      await mongo.connect();
      const queues = new Queues(sqs, config.aws.sqs.queue_prefix);
      const deadline = () => Date.now() + 120_000 + o.orders * (o.flow === 'lifecycle' ? 3000 : 1000);
      const flowContext = { api, queues, lines: o.lines, concurrency: o.concurrency, courierSecret: config.courier.webhook_secret };
      if (o.warmup > 0) {
        const warm = await createWorld(api, { skus: WARMUP_SKUS, unitsPerSku: o.warmup * o.lines + 10 });
        const warmWatch = new OrderWatch(mongo.db(stack.database), warm.tenantId);
        log(`${o.flow} · ${o.shape}: warming up with ${o.warmup} orders (not measured)`);
        await runFlow(o.flow, { ...flowContext, world: warm, watch: warmWatch, orders: o.warmup, deadline: deadline() });
        await warmWatch.untilSettled(queues, deadline());
      }
      const world = await createWorld(api, { skus: SKUS, unitsPerSku: o.orders * o.lines + 100 });
      const watch = new OrderWatch(mongo.db(stack.database), world.tenantId);
      await watch.untilSettled(queues, deadline());
      log(`${o.flow} · ${o.shape}: ${o.orders} orders of ${o.lines} lines, ${o.concurrency} at a time`);
      const before = await snapshot(cluster, stack);
      const run = await runFlow(o.flow, { ...flowContext, world, watch, orders: o.orders, deadline: deadline() });
      const deadLetters = await watch.untilSettled(queues, deadline());
      const after = await snapshot(cluster, stack);
      const times = await watch.times();
      return perOrderFigures({
        flow: o.flow,
        shape: o.shape,
        processes: cluster.processes.map((p) => p.role).join(' + '),
        lines: o.lines,
        concurrency: o.concurrency,
        run,
        times,
        before,
        after,
        deadLetters,
      });
    } finally {
      sqs.destroy();
      await mongo.close();
      await cluster.stop();
    }
  } finally {
    await stack.stop();
  }
}
