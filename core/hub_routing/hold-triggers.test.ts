import assert from 'node:assert/strict';
import { sweepDue } from './hold-triggers.js';

describe('held-orders sweep schedule', () => {
  const interval = 300_000;
  const at = (iso: string) => new Date(iso);

  it('runs at once when the UTC day changes (hub capacity resets), whatever the interval', () => {
    const last = { at: at('2026-03-01T23:59:30Z').getTime(), day: '2026-03-01' };
    assert.equal(sweepDue(last, at('2026-03-01T23:59:59Z'), interval), null);
    assert.equal(sweepDue(last, at('2026-03-02T00:00:01Z'), interval), 'capacity_reset');
  });

  it('otherwise runs once the interval has passed since the last sweep', () => {
    const last = { at: at('2026-03-01T10:00:00Z').getTime(), day: '2026-03-01' };
    assert.equal(sweepDue(last, at('2026-03-01T10:04:59Z'), interval), null);
    assert.equal(sweepDue(last, at('2026-03-01T10:05:00Z'), interval), 'periodic');
  });
});
