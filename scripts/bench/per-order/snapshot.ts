import { loadavg } from 'node:os';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { OmsCluster } from './oms-processes.js';
import { cpuMs, postgresCpu } from './proc-cpu.js';
import type { PrivateStack } from './private-stack.js';

/** The CPU of every PostgreSQL process on the machine, the bench database's backends among them. */
export const SHARED_POSTGRES = 'postgres (all processes, shared)';

/**
 * Everything the per-order figures are differences of, read at one moment: each OMS process's
 * store call counters (from its /metrics) and the CPU time of every process of the run.
 */
export interface Snapshot {
  at: number;
  /** 1-minute load average of the machine. */
  load: number;
  /**
   * `mongo insert`, `redis evalsha`, `sqs SendMessage`, `dynamodb UpdateItem`: summed over the OMS
   * processes; MongoDB commands also by collection, as `mongo-by-collection find orders`.
   */
  calls: Map<string, number>;
  /** CPU ms by process: `oms all`, `oms server`, `oms worker 1`, `ferretdb`, `postgres (bench db)`, ... */
  cpu: Map<string, number>;
}

const COUNTERS: Record<string, (labels: Record<string, string>) => string[]> = {
  oms_mongo_commands_total: (l) => [`mongo ${l.command}`, `mongo-by-collection ${l.command} ${l.collection ?? '-'}`],
  oms_redis_commands_total: (l) => [`redis ${l.command}`],
  oms_aws_calls_total: (l) => [`${l.service} ${l.operation}`],
};

async function scrape(url: string, into: Map<string, number>): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  for (const family of parsePrometheusTextFormat(await res.text())) {
    const key = COUNTERS[family.name];
    if (!key) continue;
    for (const sample of family.metrics) {
      for (const name of key(sample.labels ?? {})) into.set(name, (into.get(name) ?? 0) + Number(sample.value ?? 0));
    }
  }
}

export async function snapshot(cluster: OmsCluster, stack: PrivateStack): Promise<Snapshot> {
  const calls = new Map<string, number>();
  await Promise.all(cluster.processes.map((p) => scrape(p.metricsUrl, calls)));
  const cpu = new Map<string, number>();
  let workers = 0;
  for (const p of cluster.processes) cpu.set(p.role === 'worker' ? `oms worker ${++workers}` : `oms ${p.role}`, cpuMs(p.pid));
  for (const [name, pid] of Object.entries(stack.pids)) cpu.set(name, cpuMs(pid));
  const pg = postgresCpu(stack.postgresDatabase);
  if (stack.postgresDatabase) cpu.set('postgres (bench db backends)', pg.database);
  cpu.set(SHARED_POSTGRES, pg.all);
  cpu.set('bench driver (this process)', process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000);
  return { at: Date.now(), load: loadavg()[0] ?? 0, calls, cpu };
}

/** after - before, per key (keys absent before count from 0). */
export function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}
