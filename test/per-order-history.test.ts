import assert from 'node:assert/strict';
import { HISTORY_HEADING, historyOf, withNewestRun } from '../scripts/bench/per-order/history.js';

describe('bench: per-order history in docs/benchmarks.md', () => {
  it('adds the section once, puts each run first and keeps the older ones and the table above', () => {
    const table = '# Benchmarks\n\n| scenario | figures |\n| --- | --- |\n';
    const first = withNewestRun(table, '### run 1\n\nfigures 1');
    assert.ok(first.startsWith(table.trimEnd()));
    assert.equal(historyOf(first), `${HISTORY_HEADING}\n\n### run 1\n\nfigures 1\n`);
    const second = withNewestRun(first, '### run 2\n\nfigures 2');
    const history = historyOf(second);
    assert.equal(second.split(HISTORY_HEADING).length, 2, 'one heading');
    assert.ok(history.indexOf('### run 2') < history.indexOf('### run 1'), 'newest first');
    assert.ok(history.includes('figures 1') && history.includes('figures 2'));
    assert.equal(historyOf(table), '');
  });
});
