import { performance } from 'node:perf_hooks';
import { signCourierBody } from '../../../core/shipment/courier-signature.js';
import type { Queues } from '../../../core/platform/queues.js';
import type { ApiClient } from './api-client.js';
import type { OrderWatch } from './order-watch.js';
import { inParallel, orderBody, type World } from './world.js';

/**
 * How orders enter and move: `api` POSTs them (C at a time) and waits for `approved`;
 * `lifecycle` also plays the WMS (shipped, on the shipment queue) and the courier (DELIVERED,
 * signed webhook) as the lifecycle bench does, until `delivered`; `sqs` sends them to
 * oms-create-order-queue as a sales channel would, and waits for `approved`.
 */
export type Flow = 'api' | 'lifecycle' | 'sqs';

export interface FlowContext {
  api: ApiClient;
  world: World;
  watch: OrderWatch;
  /** The bench's own SQS client (its calls are the WMS's and channel's, not counted as the OMS's). */
  queues: Queues;
  orders: number;
  lines: number;
  concurrency: number;
  courierSecret: string;
  deadline: number;
}

export interface FlowRun {
  /** The status every order must reach. */
  final: string;
  /** When the first order was submitted (ms since epoch). */
  started: number;
  /** Round trip of each accepted POST (api, lifecycle), ms. */
  postMs: number[];
  /** When each order was handed to the queue (sqs), by seller order_id. */
  sentAt: Map<string, number>;
  /** Submissions the OMS refused (their status codes; 0: no answer in time): reported, not hidden. */
  refused: number[];
  /** Courier webhook calls left without an answer in time (the courier retries them). */
  unanswered: number;
}

async function postOrders(ctx: FlowContext, run: FlowRun): Promise<number> {
  let accepted = 0;
  await inParallel(Array.from({ length: ctx.orders }, (_, i) => i), ctx.concurrency, async (i) => {
    const t0 = performance.now();
    const res = await ctx.world.seller('POST', '/orders', orderBody(ctx.world, i, ctx.lines));
    if (res.status === 201) {
      run.postMs.push(performance.now() - t0);
      accepted++;
    } else run.refused.push(res.status);
  });
  return accepted;
}

async function sendOrders(ctx: FlowContext, run: FlowRun): Promise<number> {
  const bodies = Array.from({ length: ctx.orders }, (_, i) => ({
    event: 'create_order',
    tenant_id: ctx.world.tenantId,
    seller_id: ctx.world.sellerId,
    order: orderBody(ctx.world, i, ctx.lines),
  }));
  for (let i = 0; i < bodies.length; i += 10) {
    const batch = bodies.slice(i, i + 10);
    const at = Date.now();
    for (const b of batch) run.sentAt.set(b.order.order_id as string, at);
    await ctx.queues.sendMany('createOrder', batch);
  }
  return bodies.length;
}

/**
 * The WMS and the courier: moves each approved order to shipped, then delivered, as it gets
 * there, while orders are still being posted. `expected` resolves once every POST is answered.
 */
async function driveToDelivered(ctx: FlowContext, expected: Promise<number>, run: FlowRun): Promise<void> {
  let total: number | null = null;
  let failed = false;
  // A failed POST phase is reported by runFlow; this loop only has to stop.
  expected.then((n) => (total = n), () => (failed = true));
  const shipped = new Set<string>();
  const delivered = new Set<string>();
  while (!failed && (total === null || delivered.size < total)) {
    if (Date.now() > ctx.deadline) throw new Error(`timed out: ${delivered.size} of ${total ?? ctx.orders} orders delivered`);
    const statuses = await ctx.watch.statuses();
    const toShip = [...statuses].filter(([id, s]) => s === 'approved' && !shipped.has(id)).map(([id]) => id);
    for (const id of toShip) {
      await ctx.queues.send('shipment', {
        event: 'order_status_update',
        tenant_id: ctx.world.tenantId,
        seller_id: ctx.world.sellerId,
        order_id: id,
        status: 'shipped',
        occurred_at: new Date().toISOString(),
        shipment: { awb: awbOf(id), courier: 'bench' },
      });
      shipped.add(id);
    }
    const toDeliver = [...statuses].filter(([id, s]) => s === 'shipped' && !delivered.has(id)).map(([id]) => id);
    await inParallel(toDeliver, ctx.concurrency, async (id) => {
      const raw = JSON.stringify({ status: 'DELIVERED', timestamp: new Date().toISOString() });
      const res = await ctx.api.call('POST', `/v1/shipments/${awbOf(id)}/status`, raw, { 'x-signature': signCourierBody(ctx.courierSecret, raw) });
      // 409: the order is still busy with shipping's own effects; a courier retries (next pass),
      // as it does after getting no answer (status 0).
      if (res.status === 200) delivered.add(id);
      else if (res.status === 0) run.unanswered++;
      else if (res.status !== 409) throw new Error(`courier webhook for ${id}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    });
    for (const [id, s] of statuses) if (s === 'delivered') delivered.add(id);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function awbOf(orderId: string): string {
  return `AWB-${orderId}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

export async function runFlow(flow: Flow, ctx: FlowContext): Promise<FlowRun> {
  const run: FlowRun = { final: flow === 'lifecycle' ? 'delivered' : 'approved', started: Date.now(), postMs: [], sentAt: new Map(), refused: [], unanswered: 0 };
  const accepted = flow === 'sqs' ? sendOrders(ctx, run) : postOrders(ctx, run);
  if (flow === 'lifecycle') await Promise.all([accepted, driveToDelivered(ctx, accepted, run)]);
  else await ctx.watch.untilAll(await accepted, 'approved', ctx.deadline);
  return run;
}
