// Mocha's spec output, then one line CI reads: "N passed, N failed" (written to a file for
// scripts/test.mjs, which adds the typecheck and lint results to the count).
const Mocha = require('mocha');
const fs = require('node:fs');

class OmsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on('pass', () => (passed += 1));
    runner.on('fail', () => (failed += 1));
    runner.once('end', () => {
      const out = process.env.OMS_TEST_COUNTS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed, failed }));
      else console.log(`${passed} passed, ${failed} failed`);
    });
  }
}
module.exports = OmsReporter;
