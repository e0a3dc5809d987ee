import type { Restartable } from './chaos-stack.js';
import { defaultOptions, runChaos } from './chaos.js';
import { chaosTable, recordRun } from './report.js';

/**
 * npm run chaos [-- --no-record]
 *   CHAOS_ORDERS=1200 CHAOS_KILLS=20 CHAOS_KILL_EVERY_MS=5000-10000 CHAOS_DURATION_MS=150000
 *   CHAOS_RESTARTS=ferretdb,redis,sqs (or "none") CHAOS_DRAIN_TIMEOUT_MS=600000
 */
function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

const base = defaultOptions(int('CHAOS_ORDERS', 1200));
const every = (process.env.CHAOS_KILL_EVERY_MS ?? '').split('-').map(Number);
const restartsRaw = process.env.CHAOS_RESTARTS;
const restarts = restartsRaw === undefined ? base.restarts : restartsRaw === 'none' ? [] : (restartsRaw.split(',').map((s) => s.trim()) as Restartable[]);
const bad = restarts.filter((r) => !['ferretdb', 'redis', 'sqs'].includes(r));
if (bad.length > 0) throw new Error(`CHAOS_RESTARTS: unknown ${bad.join(',')} (ferretdb, redis, sqs or none)`);
const report = await runChaos({
  ...base,
  kills: int('CHAOS_KILLS', base.kills),
  killEveryMs: every.length === 2 && every.every((n) => Number.isFinite(n) && n > 0) ? [every[0]!, every[1]!] : base.killEveryMs,
  durationMs: int('CHAOS_DURATION_MS', base.durationMs),
  drainTimeoutMs: int('CHAOS_DRAIN_TIMEOUT_MS', base.drainTimeoutMs),
  restarts,
  log: (m) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}`),
});
console.log(`\n${chaosTable(report)}\n`);
if (report.verdict.failures.length > 0) console.log(`FAILED:\n${report.verdict.failures.map((f) => `- ${f}`).join('\n')}`);
if (!process.argv.includes('--no-record')) recordRun(report);
process.exit(report.verdict.failures.length > 0 ? 1 : 0);
