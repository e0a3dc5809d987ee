import assert from 'node:assert/strict';
import type { Order } from '../domain/order.js';
import { deriveSla, dueRecords, onWorkingDay, shipClockStart, windowsFor, withRecorded } from './sla-policy.js';
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

describe('SLA clocks derived from an order (pure)', () => {
  const t0 = new Date('2026-01-05T08:00:00Z'); // a Monday
  const h = (n: number) => new Date(t0.getTime() + n * 3_600_000);
  const order = (status: string, moves: [string, Date][], sla: unknown = null) =>
    ({
      id: 'o1',
      status,
      created_at: t0,
      updated_at: moves.at(-1)?.[1] ?? t0,
      hub_code: 'H1',
      sales_channel: { name: 'shopify', order_id: 'x' },
      timeline: moves.map(([to, at]) => ({ kind: 'status_changed', to, at, from: null, actor: 'system', reason: null })),
      sla,
    }) as unknown as Order;

  it('starts each clock when its stage is entered and stops it when the stage is passed', () => {
    const sla = deriveSla(order('shipped', [['approved', h(1)], ['shipped', h(10)]]), settings);
    assert.equal(sla.approve?.due_at.toISOString(), h(2).toISOString());
    assert.equal(sla.approve?.stopped_at?.toISOString(), h(1).toISOString());
    assert.equal(sla.ship?.due_at.toISOString(), h(25).toISOString());
    assert.equal(sla.ship?.stopped_at?.toISOString(), h(10).toISOString());
    assert.equal(sla.deliver?.due_at.toISOString(), h(82).toISOString());
    assert.equal(sla.deliver?.at_risk_at.toISOString(), new Date(h(10).getTime() + 72 * 0.8 * 3_600_000).toISOString());
    assert.equal(sla.next_check_at?.toISOString(), sla.deliver?.at_risk_at.toISOString(), 'only the deliver clock is open');
  });

  it('records at-risk then breach once per stage, and a late finish as a breach only', () => {
    const running = deriveSla(order('on_hold', []), settings);
    assert.deepEqual(dueRecords(running, h(1)).map((r) => r.kind), []);
    const atRisk = dueRecords(running, h(1.7));
    assert.deepEqual(atRisk.map((r) => `${r.stage}:${r.kind}`), ['approve:sla_at_risk']);
    const after = withRecorded(running, atRisk, h(1.7));
    assert.deepEqual(dueRecords(after, h(1.8)), [], 'not twice');
    assert.deepEqual(dueRecords(after, h(3)).map((r) => `${r.stage}:${r.kind}`), ['approve:sla_breached']);
    const late = deriveSla(order('approved', [['approved', h(5)]]), settings);
    assert.deepEqual(dueRecords(late, h(6)).map((r) => `${r.stage}:${r.kind}`), ['approve:sla_breached']);
    const cancelled = deriveSla(order('cancelled', [['cancelled', h(0.5)]]), settings);
    assert.equal(cancelled.next_check_at, null, 'a cancelled order has nothing left to check');
  });

  it("gives a split order's parts their own ship and deliver clocks, at their own hubs, judged and recorded per part", () => {
    const hubs = { ...settings, hubs: [{ hub_code: 'H2', cutoff_time: '08:30', working_days: null }] };
    const part = (fulfilment_id: string, hub_code: string, status: string) => ({ fulfilment_id, hub_code, status, lines: [], shipment: null, why: '' });
    const partMove = (fulfilment_id: string, to: string, at: Date) => ({ kind: 'fulfilment_status_changed', to, at, from: null, actor: 'wms', reason: null, details: { fulfilment_id } });
    const split = {
      ...order('partially_shipped', [['approved', h(1)], ['partially_shipped', h(3)]]),
      fulfilments: [part('o1-F1', 'H1', 'shipped'), part('o1-F2', 'H2', 'packed')],
    } as Order;
    split.timeline.push(partMove('o1-F1', 'shipped', h(3)) as never, partMove('o1-F2', 'packed', h(4)) as never);
    const sla = deriveSla(split, hubs);
    const [p1, p2] = sla.parts!;
    assert.equal(p1!.ship?.due_at.toISOString(), h(25).toISOString());
    assert.equal(p1!.ship?.stopped_at?.toISOString(), h(3).toISOString(), 'the part that shipped stopped its own clock');
    assert.equal(p1!.deliver?.started_at.toISOString(), h(3).toISOString());
    // Approved at 09:00, after H2's 08:30 cut-off: its part's ship clock starts the next midnight.
    assert.equal(p2!.ship?.due_at.toISOString(), '2026-01-07T00:00:00.000Z');
    assert.equal(p2!.ship?.stopped_at, null);
    assert.equal(p2!.deliver, null, 'not shipped: no deliver clock yet');
    assert.equal(sla.ship?.stopped_at, null, "the order's ship clock runs until every part shipped");

    const late = dueRecords(sla, new Date('2026-01-07T01:00:00Z'));
    assert.deepEqual(
      late.filter((r) => r.part).map((r) => `${r.part!.fulfilment_id}@${r.part!.hub_code} ${r.stage}:${r.kind}`),
      ['o1-F2@H2 ship:sla_at_risk', 'o1-F2@H2 ship:sla_breached'],
    );
    const recorded = withRecorded(sla, late, new Date('2026-01-07T01:00:00Z'));
    assert.deepEqual(recorded.parts!.map((p) => p.flags), [[], ['ship:at_risk', 'ship:breached']]);
    assert.deepEqual(dueRecords(recorded, new Date('2026-01-07T02:00:00Z')).filter((r) => r.part), [], 'once per part and stage');
    assert.ok(recorded.next_check_at! <= p1!.deliver!.at_risk_at, "the next check still sees the shipped part's deliver clock");
    // Derived again (the follow-up after the next event), what was recorded stays.
    assert.deepEqual(deriveSla({ ...split, sla: recorded }, hubs).parts!.map((p) => p.flags), [[], ['ship:at_risk', 'ship:breached']]);
  });
});
