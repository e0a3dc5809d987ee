import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../configs/config.js';
import { createDynamoClient, createSqsClient } from '../../core/platform/aws.js';
import { tenantScope } from '../../core/domain/tenant-scope.js';
import { StockRepository } from '../../core/inventory/stock.repository.js';
import { DeadLetterService } from '../../core/operations/dead-letter.service.js';
import { OrderRepository } from '../../core/order/order.repository.js';
import { Queues } from '../../core/platform/queues.js';
import { QUEUES, TABLES, type QueueKey } from '../../localstack/resources.js';
import { ApiClient } from '../bench/per-order/api-client.js';
import { ChaosCluster } from './chaos-cluster.js';
import { LifecycleDriver, runLoad, type LoadOptions } from './chaos-load.js';
import { startChaosStack, type Restartable } from './chaos-stack.js';
import { verify, type Verdict } from './chaos-verify.js';
import { createChaosWorld } from './chaos-world.js';

export interface ChaosOptions extends LoadOptions {
  /** Units of the hot SKU, in all hubs (fewer than the hot orders). */
  hotUnits: number;
  kills: number;
  killEveryMs: [number, number];
  /** Which dependencies get one kill -9 and restart each. */
  restarts: Restartable[];
  drainTimeoutMs: number;
  log: (m: string) => void;
}

export interface ChaosReport {
  options: Omit<ChaosOptions, 'log'>;
  kills: number;
  restarts: string[];
  loadSeconds: number;
  drainSeconds: number;
  duplicatesSent: number;
  edits: number;
  cancels: number;
  apiRetries: number;
  webhooksSent: number;
  /** Messages that ran out of receives with no decision of the OMS, redriven by the operator step (untilSettled). */
  redriven: Redriven;
  /** Cancelled orders whose leftover holds or slots the reaper gave back (a routing that died after reserving). */
  reapedCancelled: number;
  verdict: Verdict;
}

export interface Redriven {
  messages: number;
  byQueue: Record<string, number>;
  /** Of those, how many no live worker ever logged a failure for: every receive taken by a killed worker (its open long poll, or mid-handling). */
  neverFailed: number;
  /** Of those, how many live workers failed on every receive (retryably): the OMS's own doing, not a kill's. */
  failedEveryTime: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function defaultOptions(orders: number): Omit<ChaosOptions, 'log'> {
  return {
    orders,
    sqsShare: 5 / 6,
    hotOrders: Math.round(orders / 3),
    hotUnits: Math.round(orders / 8),
    duplicates: Math.round(orders / 24),
    editShare: 0.1,
    cancelShare: 0.1,
    returnShare: 0.1,
    durationMs: Math.max(30_000, orders * 125),
    kills: 20,
    killEveryMs: [5000, 10_000],
    restarts: ['ferretdb', 'redis', 'sqs'],
    drainTimeoutMs: 600_000,
  };
}

/**
 * `npm run chaos`: the production shape on a private stack under a mixed load, with workers killed
 * (-9) at random and each dependency killed and restarted once; then every invariant is checked
 * through the OMS's own read paths (chaos-verify.ts).
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const config = loadConfig();
  const runId = randomBytes(3).toString('hex');
  o.log('starting a private stack (FerretDB launcher, redis-server, fauxqs, dynalite, Pusher receiver)');
  const stack = await startChaosStack(o.log);
  const cluster = new ChaosCluster(stack);
  const mongo = new MongoClient(stack.mongoUri, { serverSelectionTimeoutMS: 60_000, socketTimeoutMS: 60_000 });
  const sqs = createSqsClient({ ...config.aws, sqs: { ...config.aws.sqs, endpoint: stack.sqsEndpoint } });
  const dynamo = createDynamoClient({ ...config.aws, dynamodb: { ...config.aws.dynamodb, endpoint: stack.dynamoEndpoint } });
  try {
    o.log('starting the OMS: 1 server + 2 workers (dist/)');
    await cluster.start();
    o.log(`OMS logs in ${cluster.logs}`);
    const api = new ApiClient(cluster.baseUrl);
    const world = await createChaosWorld(api, { orders: o.orders, hotUnits: o.hotUnits });
    await mongo.connect();
    const db = mongo.db(stack.database);
    const queues = new Queues(sqs, config.aws.sqs.queue_prefix);

    // Sampled all along: no stock row of the tenant may ever hold more than it has.
    let oversoldSamples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          oversoldSamples += await db.collection('stock').countDocuments({ tenant_id: world.tenantId, $or: [{ $expr: { $gt: ['$reserved', '$on_hand'] } }, { available: { $lt: 0 } }] });
        } catch {
          // FerretDB being restarted.
        }
        await sleep(1000);
      }
    })();

    const driver = new LifecycleDriver({ api, world, queues, db }, o.returnShare);
    const driving = driver.run();
    o.log(`load: ${o.orders} orders over ${Math.round(o.durationMs / 1000)} s (${Math.round(o.orders * o.sqsShare)} over SQS), ${o.hotOrders} for ${o.hotUnits} hot units, ${o.duplicates} duplicates`);
    const started = Date.now();
    const loading = runLoad({ api, world, queues, runId }, o);

    let kills = 0;
    let killing = true;
    const restarting: Promise<void>[] = [];
    const killer = (async () => {
      while (killing && kills < o.kills) {
        await sleep(o.killEveryMs[0] + Math.random() * (o.killEveryMs[1] - o.killEveryMs[0]));
        // A random worker of those up (one still starting after its last kill is left to start).
        let up = cluster.readyWorkers();
        while (up.length === 0 && killing) {
          await sleep(500);
          up = cluster.readyWorkers();
        }
        if (!killing) break;
        const index = up[Math.floor(Math.random() * up.length)]!;
        restarting.push((await cluster.killWorker(index)).restarted);
        kills++;
        o.log(`kill -9 worker ${index} (${kills}/${o.kills})`);
      }
      await Promise.all(restarting);
    })();

    const restarts: string[] = [];
    const restarter = (async () => {
      for (const [i, part] of o.restarts.entries()) {
        await sleep(Math.max(0, started + (o.durationMs * (i + 1)) / (o.restarts.length + 1) - Date.now()));
        o.log(`kill -9 ${part}`);
        await stack.restart(part, 3000);
        restarts.push(part);
        o.log(`${part} back`);
      }
    })();

    const ledger = await loading;
    await restarter;
    o.log(`load submitted in ${Math.round((ledger.finishedAt - started) / 1000)} s; draining`);
    await killer;
    killing = false;
    const drainStarted = ledger.finishedAt;
    const dlqs = new DeadLetterService(queues);
    const redrivenIds = new Map<string, string>();
    await untilSettled(db, queues, dlqs, redrivenIds, world.tenantId, Date.now() + o.drainTimeoutMs, o.log);
    const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
    driver.stop();
    await driving;
    sampling = false;
    await sampler;
    o.log(`settled ${drainSeconds} s after the load; verifying`);
    const verdict = await verify({
      api,
      world,
      stack,
      db,
      queues,
      dynamo,
      ledgerTable: `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`,
      ledger,
      oversoldSamples,
    });
    const { log: _log, ...options } = o;
    const lines = logLines(cluster.logs);
    return {
      options,
      kills,
      restarts,
      loadSeconds: Math.round((ledger.finishedAt - started) / 1000),
      drainSeconds,
      duplicatesSent: ledger.duplicatesSent,
      edits: ledger.edits,
      cancels: ledger.cancelled.size,
      apiRetries: ledger.apiRetries,
      webhooksSent: driver.webhooksSent,
      redriven: redrivenReport(redrivenIds, lines, config.aws.sqs.max_receive_count),
      reapedCancelled: reapedOf(lines),
      verdict,
    };
  } finally {
    await cluster.stop().catch(() => undefined);
    await mongo.close().catch(() => undefined);
    sqs.destroy();
    dynamo.destroy();
    await stack.stop();
  }
}

async function queueBacklog(queues: Queues): Promise<number> {
  const keys = Object.keys(QUEUES) as QueueKey[];
  const depths = await Promise.all(keys.map((k) => queues.depth(queues.name(k))));
  return depths.reduce((n, d) => n + d.visible + d.inFlight + d.delayed, 0);
}

const SETTLED = new Set(['delivered', 'returned_to_origin', 'cancelled']);

/**
 * Until the orders stop moving: every order delivered, returned, cancelled or held with a reason,
 * no outbox waiting, no effect pending a retry, and every queue empty, three times in a row.
 * Whenever the queues are empty, an operator's step: a message that ran out of receives with no
 * decision of the OMS (a worker killed while it held the message, or while its long poll was
 * open: the emulator, like SQS, still hands that poll messages) is redriven from its DLQ by id, as
 * `oms dlq redrive` would; what the OMS dead-lettered for a reason stays for the verdict.
 */
async function untilSettled(
  db: import('mongodb').Db,
  queues: Queues,
  dlqs: DeadLetterService,
  redriven: Map<string, string>,
  tenantId: string,
  deadline: number,
  log: (m: string) => void,
): Promise<void> {
  let quiet = 0;
  let lastLog = 0;
  let decided = 0;
  const scope = tenantScope(tenantId);
  while (quiet < 3) {
    await sleep(1000);
    try {
      const orders = await db.collection('orders').find({ tenant_id: tenantId }, { projection: { status: 1, hold_reason: 1, outbox_pending: 1 } }).toArray();
      const moving = orders.filter((d) => !(SETTLED.has(d.status) || (d.status === 'on_hold' && d.hold_reason)) || d.outbox_pending).length;
      const effects = await db.collection('effects').countDocuments({ tenant_id: tenantId, status: 'pending' });
      const backlog = await queueBacklog(queues);
      // Stock a cancelled order still holds (its routing died after reserving) is given back by the reaper: the same look-up.
      const cancelledHolding = (await new OrderRepository(db).idsInStatus(scope, await new StockRepository(db).holderIds(scope), 'cancelled')).length;
      let moved = 0;
      if (backlog === 0 && (await dlqDepth(dlqs)) > decided) {
        moved = await redriveExhausted(dlqs, redriven);
        decided = await dlqDepth(dlqs);
        if (moved > 0) log(`  operator step: redrove ${moved} messages that ran out of receives`);
      }
      quiet = moving + effects + backlog + moved + cancelledHolding === 0 ? quiet + 1 : 0;
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`  draining: ${moving} orders moving, ${effects} effects pending, ${backlog} messages queued, ${cancelledHolding} cancelled orders holding stock`);
      }
    } catch {
      quiet = 0;
    }
    if (Date.now() > deadline) {
      log('drain timed out; verifying what is there');
      return;
    }
  }
}

async function dlqDepth(dlqs: DeadLetterService): Promise<number> {
  return (await dlqs.depths()).reduce((n, d) => n + d.dlq_depth, 0);
}

/** Redrives every DLQ message that carries no failure of the OMS's (SQS's redrive policy moved it); returns how many. */
async function redriveExhausted(dlqs: DeadLetterService, redriven: Map<string, string>): Promise<number> {
  let moved = 0;
  for (const queue of dlqs.queueNames()) {
    const exhausted = (await dlqs.oldest(queue, 10_000)).filter((m) => m.error_code === 'max_receives_exceeded').map((m) => m.message_id);
    if (exhausted.length === 0) continue;
    const report = await dlqs.redrive(queue, { messageIds: exhausted });
    for (const id of report.redriven) redriven.set(id, queue);
    moved += report.redriven.length;
  }
  return moved;
}

/** Every line the OMS processes of the run logged (warn and above), from all their log files. */
function logLines(logsDir: string): string[] {
  return readdirSync(logsDir).flatMap((file) => readFileSync(join(logsDir, file), 'utf8').split('\n'));
}

/**
 * The redriven messages by queue; how many no live worker ever failed (each receive was taken by
 * a killed worker), and how many live workers failed on every receive (the OMS's own doing).
 */
function redrivenReport(redriven: Map<string, string>, lines: string[], maxReceives: number): Redriven {
  const failures = new Map<string, number>();
  for (const line of lines) {
    if (!line.includes('retryable failure')) continue;
    const id = /"message_id":"([^"]+)"/.exec(line)?.[1];
    if (id) failures.set(id, (failures.get(id) ?? 0) + 1);
  }
  const byQueue: Record<string, number> = {};
  let neverFailed = 0;
  let failedEveryTime = 0;
  for (const [id, queue] of redriven) {
    byQueue[queue] = (byQueue[queue] ?? 0) + 1;
    const n = failures.get(id) ?? 0;
    if (n === 0) neverFailed++;
    if (n >= maxReceives) failedEveryTime++;
  }
  return { messages: redriven.size, byQueue, neverFailed, failedEveryTime };
}

/** How many cancelled orders the reaper gave stock or slots back for (core/hub_routing/cancelled-holds.reaper.ts logs each). */
function reapedOf(lines: string[]): number {
  const ids = new Set<string>();
  for (const line of lines) if (line.includes('released what a cancelled order still held')) ids.add(/"order_id":"([^"]+)"/.exec(line)?.[1] ?? line);
  return ids.size;
}
