// Mocha's spec output, then one line CI reads: "N passed, N failed" (written to a file for
// scripts/test.mjs, which adds the typecheck and lint results to the count).
const Mocha = require('mocha');
const fs = require('node:fs');

class OmsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    // Wall time per file, so the suite's budget (.ci/run: 20 minutes for two Node versions) can be kept.
    const started = new Map();
    const fileMs = new Map();
    runner.on('pass', () => (passed += 1));
    runner.on('fail', () => (failed += 1));
    runner.on('suite', (suite) => suite.file && !started.has(suite.file) && started.set(suite.file, Date.now()));
    runner.on('suite end', (suite) => suite.file && started.has(suite.file) && fileMs.set(suite.file, Date.now() - started.get(suite.file)));
    runner.once('end', () => {
      const slowest = [...fileMs].sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.log('\n  slowest test files:');
      for (const [file, ms] of slowest) console.log(`    ${(ms / 1000).toFixed(1).padStart(6)} s  ${file.replace(process.cwd() + '/', '')}`);
      const out = process.env.OMS_TEST_COUNTS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed, failed }));
      else console.log(`${passed} passed, ${failed} failed`);
    });
  }
}
module.exports = OmsReporter;
