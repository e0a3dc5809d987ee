import assert from 'node:assert/strict';
import type { BreakdownRow } from './dashboard.repository.js';
import { partCounts, partSlaCounts } from './dashboard.service.js';

const row = (status: BreakdownRow['status'], hub_code: string | null, count: number): BreakdownRow => ({ status, hub_code, sales_channel: null, hold_reason: null, count });

describe('dashboard part counts (pure)', () => {
  it('counts a routed single-hub order as one part, a split order as its parts, and unrouted orders as none', () => {
    const rows = [row('approved', 'H1', 3), row('on_hold', 'H1', 2), row('pending', null, 1), row('partially_shipped', 'H1', 1), row('delivered', 'H2', 1)];
    const splits = [
      { status: 'partially_shipped' as const, hub_code: 'H1', parts: [{ hub_code: 'H1', status: 'shipped' as const, sla_flags: [] }, { hub_code: 'H3', status: 'packed' as const, sla_flags: [] }] },
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

  it("counts split orders' part SLA flags at each part's hub", () => {
    const split = (parts: { hub_code: string; sla_flags: string[] }[]) => ({ status: 'partially_shipped' as const, hub_code: 'H1', parts: parts.map((p) => ({ ...p, status: 'approved' as const })) });
    const counts = partSlaCounts([
      split([{ hub_code: 'H1', sla_flags: ['ship:at_risk'] }, { hub_code: 'H2', sla_flags: ['ship:at_risk', 'ship:breached'] }]),
      split([{ hub_code: 'H2', sla_flags: ['deliver:at_risk', 'bogus:flag'] }, { hub_code: 'H3', sla_flags: [] }]),
    ]);
    assert.deepEqual(counts, {
      at_risk: { ship: 2, deliver: 1 },
      breached: { ship: 1, deliver: 0 },
      by_hub: {
        H1: { at_risk: { ship: 1, deliver: 0 }, breached: { ship: 0, deliver: 0 } },
        H2: { at_risk: { ship: 1, deliver: 1 }, breached: { ship: 1, deliver: 0 } },
      },
    });
  });
});
