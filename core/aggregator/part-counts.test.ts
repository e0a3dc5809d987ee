import assert from 'node:assert/strict';
import type { BreakdownRow } from './dashboard.repository.js';
import { partCounts } from './dashboard.service.js';

const row = (status: BreakdownRow['status'], hub_code: string | null, count: number): BreakdownRow => ({ status, hub_code, sales_channel: null, hold_reason: null, count });

describe('dashboard part counts (pure)', () => {
  it('counts a routed single-hub order as one part, a split order as its parts, and unrouted orders as none', () => {
    const rows = [row('approved', 'H1', 3), row('on_hold', 'H1', 2), row('pending', null, 1), row('partially_shipped', 'H1', 1), row('delivered', 'H2', 1)];
    const splits = [
      { status: 'partially_shipped' as const, hub_code: 'H1', parts: [{ hub_code: 'H1', status: 'shipped' as const }, { hub_code: 'H3', status: 'packed' as const }] },
    ];
    assert.deepEqual(partCounts(rows, splits), {
      split_orders: 1,
      parts: 6,
      by_hub: { H1: 4, H2: 1, H3: 1 },
      by_status: { approved: 3, delivered: 1, shipped: 1, packed: 1 },
    });
  });

  it('is empty without routed orders', () => {
    assert.deepEqual(partCounts([row('pending', null, 2)], []), { split_orders: 0, parts: 0, by_hub: {}, by_status: {} });
  });
});
