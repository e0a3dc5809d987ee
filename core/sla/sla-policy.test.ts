import assert from 'node:assert/strict';
import { onWorkingDay, shipClockStart, windowsFor } from './sla-policy.js';
import type { SlaSettings } from '../tenant/tenant.types.js';

const settings: SlaSettings = {
  approve_within_hours: 2,
  ship_within_hours: 24,
  deliver_within_hours: 72,
  at_risk_ratio: 0.8,
  channels: [{ sales_channel: 'amazon', ship_within_hours: 12, approve_within_hours: null }],
  hubs: [],
};

describe('SLA policy (pure)', () => {
  it('takes a sales channel\'s windows where set, the tenant\'s otherwise', () => {
    assert.deepEqual(windowsFor(settings, 'amazon'), { approve_within_hours: 2, ship_within_hours: 12, deliver_within_hours: 72 });
    assert.deepEqual(windowsFor(settings, 'shopify'), { approve_within_hours: 2, ship_within_hours: 24, deliver_within_hours: 72 });
    assert.deepEqual(windowsFor(settings, null), { approve_within_hours: 2, ship_within_hours: 24, deliver_within_hours: 72 });
  });

  it('starts the ship clock at approval before the cut-off, the next working day after it', () => {
    const hub = { hub_code: 'H1', cutoff_time: '16:00', working_days: [1, 2, 3, 4, 5] };
    // Wednesday 2026-01-07
    assert.equal(shipClockStart(new Date('2026-01-07T15:59:00Z'), hub).toISOString(), '2026-01-07T15:59:00.000Z');
    assert.equal(shipClockStart(new Date('2026-01-07T16:01:00Z'), hub).toISOString(), '2026-01-08T00:00:00.000Z');
    // Friday after cut-off -> Monday; Saturday -> Monday
    assert.equal(shipClockStart(new Date('2026-01-09T17:00:00Z'), hub).toISOString(), '2026-01-12T00:00:00.000Z');
    assert.equal(shipClockStart(new Date('2026-01-10T09:00:00Z'), hub).toISOString(), '2026-01-12T00:00:00.000Z');
    // No hub rule: the approval itself
    assert.equal(shipClockStart(new Date('2026-01-10T09:00:00Z'), undefined).toISOString(), '2026-01-10T09:00:00.000Z');
    assert.equal(shipClockStart(new Date('2026-01-10T09:00:00Z'), { hub_code: 'H1', cutoff_time: null, working_days: null }).toISOString(), '2026-01-10T09:00:00.000Z');
  });

  it('moves a deadline that falls on a day off to the next working day', () => {
    assert.equal(onWorkingDay(new Date('2026-01-10T12:00:00Z'), [1, 2, 3, 4, 5]).toISOString(), '2026-01-12T12:00:00.000Z');
    assert.equal(onWorkingDay(new Date('2026-01-10T12:00:00Z'), null).toISOString(), '2026-01-10T12:00:00.000Z');
  });
});
