// The whole test suite (README's second command, and what .ci/run calls): typecheck, lint, then
// mocha against the real local stack. The last line is "N passed, N failed", counting the
// typecheck and lint as one check each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
ensureDeps();

let passed = 0;
let failed = 0;
const step = (name, cmd, args, env = {}) => {
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return res.status === 0;
};

// TEST_STATIC=0 leaves out the typecheck and lint (CI's second run: same sources, another Node).
const statics = process.env.TEST_STATIC === '0' ? [] : [
  ['typecheck', ['tsc', '-p', 'tsconfig.json']],
  ['lint', ['eslint', '.']],
];
for (const [name, args] of statics) {
  if (step(name, 'npx', ['--no-install', ...args])) passed += 1;
  else {
    failed += 1;
    console.log(`${name} FAILED`);
  }
}

const counts = join(mkdtempSync(join(tmpdir(), 'oms-test-')), 'counts.json');
// Spec globs live here, not in .mocharc, so `npx mocha some.test.ts` runs just that file.
const SPECS = ['test/**/*.test.ts', 'core/**/*.test.ts', 'configs/**/*.test.ts', 'router/**/*.test.ts'];
const extra = process.argv.length > 2 ? process.argv.slice(2) : SPECS;
const mochaOk = step('mocha', 'npx', ['--no-install', 'mocha', ...extra], { OMS_TEST_COUNTS: counts });
if (existsSync(counts)) {
  const c = JSON.parse(readFileSync(counts, 'utf8'));
  passed += c.passed;
  failed += c.failed;
  if (!mochaOk && c.failed === 0) failed += 1; // mocha crashed outside a test (fixture, teardown)
} else {
  failed += 1;
  console.log('mocha did not report results');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
