import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { mochaGlobalSetup, mochaGlobalTeardown } from '../../test/support/stack.js';
import type { BenchResult, BenchScenario } from './harness.js';

/** Loads every scripts/bench/*.bench.ts (each default-exports a BenchScenario) and runs them in name order. */
const only = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.ts')).sort();
await mochaGlobalSetup();
const results: BenchResult[] = [];
try {
  for (const file of files) {
    const scenario = (await import(`./${file}`)).default as BenchScenario;
    if (only.length > 0 && !only.includes(scenario.name)) continue;
    console.log(`\n== ${scenario.name}`);
    for (const r of await scenario.run()) {
      console.log(`${r.scenario}: ${Object.entries(r.figures).map(([k, v]) => `${k}=${v}`).join('  ')}`);
      results.push(r);
    }
  }
} finally {
  await mochaGlobalTeardown();
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
if (only.length === 0) writeFileSync(new URL('../../docs/benchmarks.md', import.meta.url), lines.join('\n'));
process.exit(0);
