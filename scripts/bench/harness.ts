import { performance } from 'node:perf_hooks';

/** One scenario's figures, as rows of docs/benchmarks.md. */
export interface BenchResult {
  scenario: string;
  figures: Record<string, string | number>;
  notes?: string;
}

export interface BenchScenario {
  name: string;
  /** Starts the stack and OMS processes it measures itself (run.ts then starts no shared stack for it). */
  ownStack?: boolean;
  run(): Promise<BenchResult[]>;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const idx = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return Math.round((sortedMs[Math.max(0, idx)] as number) * 10) / 10;
}

/** Runs `count` calls of `op` with at most `concurrency` in flight; latency per call and overall rate. */
export async function measure(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<{ perSecond: number; p50: number; p99: number; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: Math.round((count / seconds) * 10) / 10, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds: Math.round(seconds * 100) / 100 };
}

/** An integer of at least `min` (default 1) from the environment (a bench knob), or `fallback` when unset. */
export function envCount(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return n;
}
