// npm run bench: starts the real local stack and an in-process OMS (as the tests do), runs every
// scenario in scripts/bench/*.ts (or those named: npm run bench -- orders routing) and writes the
// figures to docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { ensureDeps } from './ensure-deps.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
ensureDeps();
const res = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', 'scripts/bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
