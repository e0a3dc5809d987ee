// npm run chaos: builds dist/, then runs scripts/chaos/run.ts (the production shape under kill -9 and
// dependency restarts, on a private stack; see docs/reliability.md). Sizes by environment (run.ts).
import { spawnSync } from 'node:child_process';
import { ensureDeps } from './ensure-deps.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
ensureDeps();
const build = spawnSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const res = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/chaos/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
