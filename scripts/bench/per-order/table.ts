import { availableParallelism } from 'node:os';
import { targetChecks, total, type PerOrderFigures } from './figures.js';

/** The per-order table: one column per flow × shape, one row per figure (markdown, also printed). */
export function perOrderTable(runs: PerOrderFigures[]): string {
  const rows: [string, (f: PerOrderFigures) => string][] = [
    ['OMS processes', (f) => f.processes],
    ['orders × lines, concurrency', (f) => `${f.orders} × ${f.lines}, ${f.concurrency}`],
    ['refused submissions (0 status: no answer in 60 s)', (f) => String(f.refused)],
    ['courier webhooks without an answer in 60 s', (f) => String(f.unanswered)],
    ['end to end, orders/s', (f) => String(f.ordersPerSecond)],
  ];
  const keys = (pick: (f: PerOrderFigures) => Record<string, unknown>) => [...new Set(runs.flatMap((f) => Object.keys(pick(f))))];
  for (const k of keys((f) => f.latency)) rows.push([`${k} p50 / p99, ms`, (f) => (f.latency[k] ? f.latency[k].join(' / ') : '–')]);
  rows.push(['**OMS CPU, ms/order**', (f) => `**${f.omsCpuMs}**`]);
  for (const k of keys((f) => f.cpuMs)) rows.push([`CPU ms/order: ${k}`, (f) => (f.cpuMs[k] === undefined ? '–' : String(f.cpuMs[k]))]);
  rows.push([`CPU ms/order, every process above once (the bench database's PostgreSQL)`, (f) => String(f.machineCpuMs)]);
  // A run's end-to-end rate can pass it: the window's CPU includes the effects settled after the last approval.
  rows.push([`sustained orders/s the machine's ${availableParallelism()} cores carry at that CPU (never idle)`, (f) => String(f.cpuCeiling)]);
  const calls = (title: string, pick: (f: PerOrderFigures) => Record<string, number>, detail?: (f: PerOrderFigures) => Record<string, number>) => {
    rows.push([`**${title}/order**`, (f) => `**${total(pick(f))}**`]);
    for (const k of keys(pick)) {
      rows.push([`&nbsp;&nbsp;${k}`, (f) => String(pick(f)[k] ?? 0)]);
      // The command's split by collection (`find` → `find orders`, `find stock`), under it.
      if (!detail) continue;
      for (const d of keys(detail).filter((d) => d.startsWith(`${k} `))) {
        rows.push([`&nbsp;&nbsp;&nbsp;&nbsp;· ${d.slice(k.length + 1)}`, (f) => String(detail(f)[d] ?? 0)]);
      }
    }
  };
  calls('MongoDB commands', (f) => f.mongo, (f) => f.mongoByCollection);
  calls('Redis commands', (f) => f.redis);
  calls('SQS, SNS and DynamoDB calls', (f) => f.aws);
  rows.push(['messages dead-lettered', (f) => String(f.deadLetters)]);
  rows.push(['measured window, s', (f) => String(f.windowSeconds)]);
  rows.push(['machine load average (1 min), start / end', (f) => f.load.join(' / ')]);

  const header = ['figure', ...runs.map((f) => `${f.flow} · ${f.shape}`)];
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map(([name, cell]) => `| ${name} | ${runs.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Issue #11's targets against each API create → approved run: met / not met. */
export function targetsTable(runs: PerOrderFigures[]): string {
  const api = runs.filter((f) => f.flow === 'api');
  if (api.length === 0) return '';
  const checks = api.map(targetChecks);
  const header = ['target (API create → approved)', ...api.map((f) => f.shape)];
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...checks[0]!.map((c, i) => `| ${c.what} ${c.target} | ${checks.map((cs) => `${cs[i]!.measured}: ${cs[i]!.met ? 'met' : '**not met**'}`).join(' | ')} |`),
  ].join('\n');
}
