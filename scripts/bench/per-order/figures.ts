import { availableParallelism } from 'node:os';
import { percentile } from '../harness.js';
import type { Flow, FlowRun } from './flows.js';
import type { Shape } from './oms-processes.js';
import type { OrderTimes } from './order-watch.js';
import { delta, SHARED_POSTGRES, type Snapshot } from './snapshot.js';

/** One flow × shape, divided by the orders that reached the flow's final status. */
export interface PerOrderFigures {
  flow: Flow;
  shape: Shape;
  processes: string;
  orders: number;
  refused: number;
  /** Courier webhook calls without an answer in 60 s (retried). */
  unanswered: number;
  lines: number;
  concurrency: number;
  /** Orders / (last final-status timestamp − first submission), per second. */
  ordersPerSecond: number;
  /** Latencies, ms: `POST`, `sent→created`, `created→approved`, `created→delivered` → [p50, p99]. */
  latency: Record<string, [number, number]>;
  omsCpuMs: number;
  /** CPU ms per order by process (OMS processes and the stack's). */
  cpuMs: Record<string, number>;
  /** CPU ms per order of every process above, each counted once (PostgreSQL: the bench database's backends). */
  machineCpuMs: number;
  /** The orders per second the machine's cores could carry, sustained, at `machineCpuMs` each, were they never idle. */
  cpuCeiling: number;
  mongo: Record<string, number>;
  /** MongoDB commands by command and collection: `find orders`, `update stock`. */
  mongoByCollection: Record<string, number>;
  redis: Record<string, number>;
  aws: Record<string, number>;
  deadLetters: number;
  /** Seconds between the two snapshots the counts and CPU are differences of. */
  windowSeconds: number;
  /** The machine's 1-minute load average at the two snapshots: other work on the cores skews the timings. */
  load: [number, number];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function split(calls: Map<string, number>, prefix: string[], perOrder: (n: number) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of [...calls].sort(([, a], [, b]) => b - a)) {
    const [system, ...name] = key.split(' ');
    if (n > 0 && prefix.includes(system as string)) out[prefix.length > 1 ? key : name.join(' ')] = perOrder(n);
  }
  return out;
}

export function perOrderFigures(args: {
  flow: Flow;
  shape: Shape;
  processes: string;
  lines: number;
  concurrency: number;
  run: FlowRun;
  times: OrderTimes[];
  before: Snapshot;
  after: Snapshot;
  deadLetters: number;
}): PerOrderFigures {
  const { run, times } = args;
  const done = times.filter((t) => t.reached[run.final] !== undefined);
  if (done.length === 0) throw new Error(`no order reached ${run.final}`);
  const per = (n: number) => round(n / done.length);
  const span = (from: (t: OrderTimes) => number | undefined, to: (t: OrderTimes) => number | undefined): [number, number] => {
    const ms = done.flatMap((t) => {
      const [a, b] = [from(t), to(t)];
      return a === undefined || b === undefined ? [] : [b - a];
    });
    ms.sort((x, y) => x - y);
    return [percentile(ms, 50), percentile(ms, 99)];
  };
  const latency: Record<string, [number, number]> = {};
  if (run.postMs.length > 0) {
    const post = [...run.postMs].sort((a, b) => a - b);
    latency.POST = [percentile(post, 50), percentile(post, 99)];
  }
  if (run.sentAt.size > 0) latency['sent→created'] = span((t) => run.sentAt.get(t.order_id), (t) => t.created);
  latency['created→approved'] = span((t) => t.created, (t) => t.reached.approved);
  if (run.final === 'delivered') latency['created→delivered'] = span((t) => t.created, (t) => t.reached.delivered);

  const calls = delta(args.before.calls, args.after.calls);
  const cpu = delta(args.before.cpu, args.after.cpu);
  const cpuMs: Record<string, number> = {};
  for (const [name, ms] of cpu) cpuMs[name] = per(ms);
  const omsCpu = [...cpu].filter(([name]) => name.startsWith('oms ')).reduce((n, [, ms]) => n + ms, 0);
  // The shared PostgreSQL figure holds the bench database's backends too (and whatever else ran).
  const machineCpuMs = per([...cpu].filter(([name]) => name !== SHARED_POSTGRES).reduce((n, [, ms]) => n + ms, 0));
  const last = Math.max(...done.map((t) => t.reached[run.final] as number));
  return {
    flow: args.flow,
    shape: args.shape,
    processes: args.processes,
    orders: done.length,
    refused: run.refused.length,
    unanswered: run.unanswered,
    lines: args.lines,
    concurrency: args.concurrency,
    ordersPerSecond: round(done.length / ((last - run.started) / 1000), 1),
    latency,
    omsCpuMs: per(omsCpu),
    cpuMs,
    machineCpuMs,
    cpuCeiling: round((availableParallelism() * 1000) / machineCpuMs, 1),
    mongo: split(calls, ['mongo'], per),
    mongoByCollection: split(calls, ['mongo-by-collection'], per),
    redis: split(calls, ['redis'], per),
    aws: split(calls, ['sqs', 'sns', 'dynamodb'], per),
    deadLetters: args.deadLetters,
    windowSeconds: round((args.after.at - args.before.at) / 1000, 1),
    load: [round(args.before.load, 1), round(args.after.load, 1)],
  };
}

export function total(calls: Record<string, number>): number {
  return round(Object.values(calls).reduce((a, b) => a + b, 0));
}

export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  met: boolean;
}

/** Issue #11's targets, for the API create → approved flow. */
export function targetChecks(f: PerOrderFigures): TargetCheck[] {
  const [approvedP50] = f.latency['created→approved'] ?? [Infinity];
  const [, postP99] = f.latency.POST ?? [Infinity, Infinity];
  return [
    { what: 'MongoDB commands per order', target: '≤ 10', measured: String(total(f.mongo)), met: total(f.mongo) <= 10 },
    { what: 'Redis commands per order', target: '≤ 4', measured: String(total(f.redis)), met: total(f.redis) <= 4 },
    { what: 'OMS CPU per order', target: '≤ 8 ms', measured: `${f.omsCpuMs} ms`, met: f.omsCpuMs <= 8 },
    {
      what: `end to end at ${f.concurrency} concurrent, with created→approved p50 ≤ 500 ms`,
      target: '≥ 30 orders/s',
      measured: `${f.ordersPerSecond} orders/s, p50 ${approvedP50} ms`,
      met: f.ordersPerSecond >= 30 && approvedP50 <= 500,
    },
    { what: 'POST p99', target: '≤ 150 ms', measured: `${postP99} ms`, met: postP99 <= 150 },
  ];
}
