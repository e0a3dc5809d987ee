import { spawnSync } from 'node:child_process';
import { envCount, type BenchResult, type BenchScenario } from './harness.js';
import { total, type PerOrderFigures } from './per-order/figures.js';
import type { Flow } from './per-order/flows.js';
import { appendRun, historyEntry, measuredCommit } from './per-order/history.js';
import { measurePerOrder } from './per-order/measure.js';
import type { Runner, Shape } from './per-order/oms-processes.js';
import { perOrderTable, targetsTable } from './per-order/table.js';

/**
 * Issue #11: per-order figures, for each flow (api: POST → approved; lifecycle: POST →
 * delivered; sqs: oms-create-order-queue → approved) in each shape (single: one `all` process;
 * production: one `server` + two `worker` processes), each on a private stack of its own.
 *
 *   PER_ORDER_ORDERS=300 PER_ORDER_LINES=2 PER_ORDER_CONCURRENCY=8 PER_ORDER_WARMUP=20 \
 *   PER_ORDER_FLOWS=api,lifecycle,sqs PER_ORDER_SHAPES=single,production PER_ORDER_RUNNER=dist|tsx \
 *   npm run bench -- per-order
 *
 * OMS_BENCH_CPU_PROF_DIR=/some/dir writes each OMS process's V8 CPU profile there when it exits.
 */
function list<T extends string>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  const picked = raw ? raw.split(',').map((s) => s.trim()) : [...allowed];
  const bad = picked.filter((p) => !allowed.includes(p as T));
  if (bad.length > 0 || picked.length === 0) throw new Error(`${name}: expected some of ${allowed.join(',')}, got "${raw}"`);
  return picked as T[];
}

function summary(f: PerOrderFigures): BenchResult {
  const [p50, p99] = f.latency['created→approved'] ?? [0, 0];
  return {
    scenario: `per order: ${f.flow} · ${f.shape} (${f.orders} orders × ${f.lines} lines, ${f.concurrency} concurrent)`,
    figures: {
      'orders/s': f.ordersPerSecond,
      'created→approved p50/p99 ms': `${p50} / ${p99}`,
      'OMS CPU ms/order': f.omsCpuMs,
      'mongo cmds/order': total(f.mongo),
      'redis cmds/order': total(f.redis),
      'aws calls/order': total(f.aws),
    },
    notes: `OMS as ${f.processes}; full table in the per-order history below`,
  };
}

const scenario: BenchScenario = {
  name: 'per-order',
  ownStack: true,
  async run(): Promise<BenchResult[]> {
    const commit = measuredCommit();
    const options = {
      orders: envCount('PER_ORDER_ORDERS', 300),
      lines: envCount('PER_ORDER_LINES', 2),
      concurrency: envCount('PER_ORDER_CONCURRENCY', 8),
      warmup: envCount('PER_ORDER_WARMUP', 20, 0),
    };
    const flows = list<Flow>('PER_ORDER_FLOWS', ['api', 'lifecycle', 'sqs']);
    const shapes = list<Shape>('PER_ORDER_SHAPES', ['single', 'production']);
    const [runner] = list<Runner>('PER_ORDER_RUNNER', ['dist', 'tsx']);
    if (runner === 'dist') {
      console.log('building dist/ (tsc -p tsconfig.build.json)...');
      const build = spawnSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
      if (build.status !== 0) throw new Error('build failed');
    }
    const runs: PerOrderFigures[] = [];
    const failures: string[] = [];
    for (const flow of flows) {
      for (const shape of shapes) {
        // A column that fails is reported as such; the others are still measured and kept.
        try {
          const f = await measurePerOrder({ flow, shape, ...options, runner: runner as Runner, log: (m) => console.log(`  ${m}`) });
          runs.push(f);
          console.log(`\n${perOrderTable([f])}\n`);
        } catch (err) {
          failures.push(`${flow} · ${shape}: ${(err as Error).message.split('\n')[0]}`);
          console.error(`  ${flow} · ${shape} FAILED:`, err);
        }
      }
    }
    const failed = failures.length > 0 ? `\n\nNot measured (the run failed): ${failures.join('; ')}` : '';
    const body = runs.length > 0 ? `${perOrderTable(runs)}\n\n${targetsTable(runs)}${failed}` : failed;
    console.log(`\n${body}\n`);
    appendRun(
      historyEntry(
        body,
        `OMS from ${runner === 'dist' ? 'dist/ (node dist/cmd/main.js)' : 'sources (tsx)'}; each column on a private stack: FerretDB 1.24 ` +
          'launcher on its own PostgreSQL database (pool 20), redis-server, fauxqs, dynalite, all on this machine. ' +
          'Counts and CPU are differences between two snapshots: after setup settled, and after the orders\' effects settled (outboxes and queues empty), ' +
          'so idle background work in that window (long polls, outbox sweeps) is included. "postgres (all processes, shared)" also holds whatever else used PostgreSQL then.',
        commit,
      ),
    );
    return runs.map(summary);
  },
};

export default scenario;
