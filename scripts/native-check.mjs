// Loads every native addon `npm ci` brings (each with prebuilt binaries, loaded by node-gyp-build
// for the running Node's ABI) and the esbuild binary tsx uses, so CI shows that the same
// node_modules works on each Node it tests. Prints "native modules: N ok, N failed".
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const checks = {
  // dynalite's store (through level): a real write and read through the addon
  'classic-level': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'native-check-'));
    try {
      const db = new (require('classic-level').ClassicLevel)(dir);
      await db.put('k', 'v');
      const value = await db.get('k');
      await db.close();
      return value === 'v';
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  // New Relic agent's optional native parts (loaded when the agent is enabled)
  '@newrelic/native-metrics': () => typeof require('@newrelic/native-metrics') === 'function',
  '@newrelic/fn-inspect': () => typeof String(require('@newrelic/fn-inspect').funcInfo(checks.esbuild)?.file).endsWith('native-check.mjs'),
  // tsx (mocha's loader) transpiles through esbuild's native binary
  esbuild: () => require('esbuild').transformSync('const a: number = 1', { loader: 'ts' }).code.includes('const a = 1'),
};

let ok = 0;
let failed = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    if (!(await check())) throw new Error('loaded, but not what was expected');
    ok += 1;
    console.log(`  ${name}: ok`);
  } catch (err) {
    failed += 1;
    console.log(`  ${name}: FAILED (${err.message.split('\n')[0]})`);
  }
}
console.log(`native modules on Node ${process.version} (ABI ${process.versions.modules}): ${ok} ok, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
