import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { mochaGlobalSetup, mochaGlobalTeardown } from '../../test/support/stack.js';
import type { BenchResult, BenchScenario } from './harness.js';
import { BENCHMARKS_FILE, historyOf } from './per-order/history.js';

/** Loads every scripts/bench/*.bench.ts (each default-exports a BenchScenario) and runs them in name order. */
const only = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.ts')).sort();
const scenarios: BenchScenario[] = [];
for (const file of files) {
  const scenario = (await import(`./${file}`)).default as BenchScenario;
  if (only.length === 0 || only.includes(scenario.name)) scenarios.push(scenario);
}
const unknown = only.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${files.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
  process.exit(2);
}
// The shared stack and in-process OMS only for the scenarios that use them.
const shared = scenarios.some((s) => !s.ownStack);
if (shared) await mochaGlobalSetup();
const results: BenchResult[] = [];
try {
  for (const scenario of scenarios) {
    console.log(`\n== ${scenario.name}`);
    for (const r of await scenario.run()) {
      console.log(`${r.scenario}: ${Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join('  ')}`);
      results.push(r);
    }
  }
} finally {
  if (shared) await mochaGlobalTeardown();
}
const lines = [
  '# Benchmarks',
  '',
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version},`,
  'FerretDB 1.24 (PostgreSQL backend, writes gated by the launcher: ADR 0005) + Redis + fauxqs + dynalite on the same machine, OMS in one process (API + workers).',
  'Figures on production MongoDB/SQS will differ; these are for comparing changes on this machine.',
  '',
  '| scenario | figures | notes |',
  '| --- | --- | --- |',
  ...results.map((r) => `| ${r.scenario} | ${Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`).join('<br>')} | ${r.notes ?? ''} |`),
  '',
];
// The per-order history below the table is kept (the per-order scenario added its run to it already).
const history = existsSync(BENCHMARKS_FILE) ? historyOf(readFileSync(BENCHMARKS_FILE, 'utf8')) : '';
if (only.length === 0) writeFileSync(BENCHMARKS_FILE, lines.join('\n') + (history ? `\n${history}` : ''));
process.exit(0);
