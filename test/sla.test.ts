import assert from 'node:assert/strict';
import type { Order } from '../core/domain/order.js';
import { fixedClock } from '../core/platform/clock.js';
import { createTenant, eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { orderBody, readOrder, sendWms, stockedHub } from './fulfilment.fixtures.js';

/** SLA clocks (issue 16 part 3): deadlines per stage, a sweep judged at a test clock, the dashboard. */

const HOUR = 3_600_000;

async function settings(t: TestTenant, body: unknown) {
  return http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body, headers: internalHeaders(t.tenantId) });
}

/** A tenant whose orders wait for a person's approval (manual review), with an SLA policy. */
async function slaTenant(sla: Record<string, unknown>): Promise<TestTenant> {
  const t = await createTenant();
  await stockedHub(t, 'H1', { 'SKU-1': 50 });
  const res = await settings(t, { hold_rules: { manual_review_above_total: 1 }, sla });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return t;
}

async function heldOrder(t: TestTenant, extra: Record<string, unknown> = {}): Promise<Order> {
  const res = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-1', quantity: 1 }], extra));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return eventually('order on hold with its approve clock', async () => {
    const o = await readOrder(t, res.body.data.id);
    return o.status === 'on_hold' && o.sla?.approve ? o : null;
  });
}

const sweepAt = (at: Date) => getStack().oms.container.sla.sweepAt(fixedClock(at));
const entries = (o: Order, kind: string) => o.timeline.filter((e) => e.kind === kind);
const viewPartAfter = (res: { body: { data: { fulfilments: { fulfilment_id: string; sla: { flags: string[] } }[] } } }, fid: string) =>
  res.body.data.fulfilments.find((f) => f.fulfilment_id === fid)?.sla.flags;

describe('SLA clocks: deadlines, at-risk and breached, dashboard', () => {
  it('computes approve-by on create, records sla_at_risk at 80 % and sla_breached past the deadline, once each, with events and dashboard counts', async () => {
    const t = await slaTenant({ approve_within_hours: 1, ship_within_hours: 24, deliver_within_hours: 48 });
    const order = await heldOrder(t);
    const created = order.created_at.getTime();

    const view = (await t.seller('GET', `/orders/${order.id}`)).body.data;
    assert.equal(view.sla.approve_by, new Date(created + HOUR).toISOString());
    assert.equal(view.sla.ship_by, null, 'the ship clock starts at approval');
    assert.deepEqual(view.sla.flags, []);

    await sweepAt(new Date(created + 30 * 60_000));
    assert.equal(entries(await readOrder(t, order.id), 'sla_at_risk').length, 0, 'half the window used: not at risk');

    await sweepAt(new Date(created + 49 * 60_000));
    await sweepAt(new Date(created + 50 * 60_000));
    let o = await readOrder(t, order.id);
    assert.equal(entries(o, 'sla_at_risk').length, 1, 'at risk recorded once');
    assert.equal(entries(o, 'sla_at_risk')[0]?.details?.stage, 'approve');
    assert.equal(entries(o, 'sla_breached').length, 0);

    await sweepAt(new Date(created + 61 * 60_000));
    await sweepAt(new Date(created + 3 * HOUR));
    o = await readOrder(t, order.id);
    assert.equal(entries(o, 'sla_at_risk').length, 1);
    assert.equal(entries(o, 'sla_breached').length, 1, 'breach recorded once');
    assert.deepEqual(o.sla?.flags, ['approve:at_risk', 'approve:breached']);
    assert.equal(o.status, 'on_hold', 'the sweep never moves an order');

    for (const name of ['order.sla_at_risk.v1', 'order.sla_breached.v1']) {
      await eventually(`${name} relayed`, async () =>
        getStack()
          .pusher.eventsFor(`private-seller-${t.sellerId}`)
          .find((e) => e.name === name && (e.data as { order_id?: string }).order_id === order.id),
      );
    }

    const dash = (await t.aggregator('GET', '/dashboard')).body.data;
    assert.deepEqual(dash.sla.at_risk, { approve: 1, ship: 0, deliver: 0 });
    assert.deepEqual(dash.sla.breached, { approve: 1, ship: 0, deliver: 0 });
    assert.deepEqual(dash.sla.by_sales_channel.shopify, { at_risk: { approve: 1, ship: 0, deliver: 0 }, breached: { approve: 1, ship: 0, deliver: 0 } });
    assert.ok(dash.sla.by_hub.unassigned, 'an order on hold has no hub yet');
    const past = (await t.aggregator('GET', `/dashboard?from=2020-01-01T00:00:00Z&to=2020-12-31T00:00:00Z`)).body.data;
    assert.deepEqual(past.sla.breached, { approve: 0, ship: 0, deliver: 0 }, 'outside the date range');
  });

  it('stops the approve clock at approval, starts ship-by there (hub cut-off and working days), and counts a ship breach per hub', async () => {
    const t = await slaTenant({ approve_within_hours: 1, ship_within_hours: 24, hubs: [{ hub_code: 'H1', cutoff_time: '00:00', working_days: [0, 1, 2, 3, 4, 5, 6] }] });
    const order = await heldOrder(t);
    assert.equal((await t.seller('POST', `/orders/${order.id}/approve`)).status, 200);
    const approved = await eventually('ship clock', async () => {
      const o = await readOrder(t, order.id);
      return o.status === 'approved' && o.sla?.ship ? o : null;
    });
    const approvedAt = approved.timeline.find((e) => e.to === 'approved')!.at;
    // Approved after the 00:00 cut-off: the ship clock starts at the next midnight (UTC).
    const nextMidnight = Date.UTC(approvedAt.getUTCFullYear(), approvedAt.getUTCMonth(), approvedAt.getUTCDate() + 1);
    assert.equal(approved.sla!.ship!.due_at.getTime(), nextMidnight + 24 * HOUR);
    assert.ok(approved.sla!.approve!.stopped_at, 'approve clock stopped');
    const view = (await t.seller('GET', `/orders/${order.id}`)).body.data;
    assert.equal(view.sla.ship_by, new Date(nextMidnight + 24 * HOUR).toISOString());

    await sweepAt(new Date(nextMidnight + 25 * HOUR));
    const o = await readOrder(t, order.id);
    assert.deepEqual(
      entries(o, 'sla_breached').map((e) => e.details?.stage),
      ['ship'],
      'approved in time: only the ship stage is breached',
    );
    const dash = (await t.aggregator('GET', '/dashboard')).body.data;
    assert.equal(dash.sla.by_hub.H1.breached.ship, 1);
    assert.equal(dash.sla.breached.approve, 0);
  });

  it('uses a sales channel\'s own windows, and records a breach for a stage finished late that no sweep saw running', async () => {
    const t = await slaTenant({ approve_within_hours: 5, channels: [{ sales_channel: 'amazon', approve_within_hours: 0.0003 }] });
    const shopify = await heldOrder(t);
    assert.equal(shopify.sla!.approve!.due_at.getTime(), shopify.created_at.getTime() + 5 * HOUR);
    const amazon = await heldOrder(t, { sales_channel: { name: 'amazon', order_id: `amz-${Date.now()}` } });
    assert.equal(amazon.sla!.approve!.due_at.getTime(), amazon.created_at.getTime() + Math.round(0.0003 * HOUR));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await t.seller('POST', `/orders/${amazon.id}/approve`)).status, 200);
    await eventually('approve clock stopped', async () => (await readOrder(t, amazon.id)).sla?.approve?.stopped_at);
    await sweepAt(new Date());
    await sweepAt(new Date());
    const o = await readOrder(t, amazon.id);
    assert.equal(entries(o, 'sla_breached').length, 1);
    assert.equal(entries(o, 'sla_at_risk').length, 0, 'never seen at risk while running');
    assert.equal(entries(await readOrder(t, shopify.id), 'sla_breached').length, 0);
  });

  it("gives each part of a split order its own ship-by at its hub: one part shipped in time, the other breached, on the timeline, in events and in the dashboard per hub", async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-A': 5 });
    await stockedHub(t, 'H2', { 'SKU-B': 5 });
    const res = await settings(t, { fulfilment: { policy: 'split_allowed' }, sla: { ship_within_hours: 24, deliver_within_hours: 72, hubs: [{ hub_code: 'H2', cutoff_time: '00:00', working_days: null }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const created = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-A', quantity: 1 }, { sku: 'SKU-B', quantity: 1 }]));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.data.id;
    const approved = await eventually('split and its part clocks', async () => {
      const o = await readOrder(t, id);
      return o.status === 'approved' && o.sla?.parts?.length === 2 ? o : null;
    });
    const approvedAt = approved.timeline.find((e) => e.to === 'approved')!.at.getTime();
    const part = (hub: string) => approved.fulfilments!.find((f) => f.hub_code === hub)!;
    const [p1, p2] = [part('H1'), part('H2')];
    // H1 has no cut-off: 24 h from approval. H2's 00:00 cut-off has passed: 24 h from the next midnight.
    const nextMidnight = Date.UTC(new Date(approvedAt).getUTCFullYear(), new Date(approvedAt).getUTCMonth(), new Date(approvedAt).getUTCDate() + 1);
    const view = (await t.seller('GET', `/orders/${id}`)).body.data;
    const viewPart = (fid: string) => view.fulfilments.find((f: { fulfilment_id: string }) => f.fulfilment_id === fid);
    assert.equal(viewPart(p1.fulfilment_id).sla.ship_by, new Date(approvedAt + 24 * HOUR).toISOString());
    assert.equal(viewPart(p2.fulfilment_id).sla.ship_by, new Date(nextMidnight + 24 * HOUR).toISOString());
    assert.equal(viewPart(p1.fulfilment_id).sla.deliver_by, null, 'deliver-by starts when the part ships');

    await sendWms(t, id, 'shipped', { fulfilment_id: p1.fulfilment_id });
    const partly = await eventually("H1's part shipped, its ship clock stopped and its deliver clock started", async () => {
      const o = await readOrder(t, id);
      const own = o.sla?.parts?.find((p) => p.fulfilment_id === p1.fulfilment_id);
      return own?.ship?.stopped_at && own.deliver ? o : null;
    });
    assert.equal(partly.status, 'partially_shipped');

    // Past H2's ship-by (and short of H1's part's deliver at-risk): only H2's part is late.
    await sweepAt(new Date(nextMidnight + 25 * HOUR));
    await sweepAt(new Date(nextMidnight + 26 * HOUR));
    const o = await readOrder(t, id);
    const partRecords = o.timeline.filter((e) => (e.kind === 'sla_at_risk' || e.kind === 'sla_breached') && e.details?.fulfilment_id);
    assert.deepEqual(
      partRecords.map((e) => `${e.details?.fulfilment_id as string}@${e.details?.hub_code as string} ${e.details?.stage as string}:${e.kind}`),
      [`${p2.fulfilment_id}@H2 ship:sla_at_risk`, `${p2.fulfilment_id}@H2 ship:sla_breached`],
    );
    assert.deepEqual(o.sla!.parts!.find((p) => p.fulfilment_id === p2.fulfilment_id)!.flags, ['ship:at_risk', 'ship:breached']);
    assert.deepEqual(o.sla!.parts!.find((p) => p.fulfilment_id === p1.fulfilment_id)!.flags, []);
    assert.deepEqual(viewPartAfter(await t.seller('GET', `/orders/${id}`), p2.fulfilment_id), ['ship:at_risk', 'ship:breached']);
    await eventually('the part breach relayed with its part', async () =>
      getStack()
        .pusher.eventsFor(`private-seller-${t.sellerId}`)
        .find((e) => {
          const event = e.data as { order_id?: string; data?: { fulfilment_id?: string; hub_code?: string } };
          return e.name === 'order.sla_breached.v1' && event.order_id === id && event.data?.fulfilment_id === p2.fulfilment_id && event.data.hub_code === 'H2';
        }),
    );

    const dash = (await t.aggregator('GET', '/dashboard')).body.data;
    assert.deepEqual(dash.sla.parts.breached, { ship: 1, deliver: 0 });
    assert.deepEqual(dash.sla.parts.by_hub.H2, { at_risk: { ship: 1, deliver: 0 }, breached: { ship: 1, deliver: 0 } });
    assert.equal(dash.sla.parts.by_hub.H1, undefined, 'the part that shipped in time counts nowhere');
  });

  it('keeps no clocks for a tenant without SLA settings', async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-1': 5 });
    const res = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-1', quantity: 1 }]));
    const id = res.body.data.id;
    await eventually('approved', async () => (await readOrder(t, id)).status === 'approved');
    await sweepAt(new Date(Date.now() + 1000 * HOUR));
    const o = await readOrder(t, id);
    assert.equal(o.sla ?? null, null);
    assert.equal((await t.seller('GET', `/orders/${id}`)).body.data.sla, null);
  });

  it('refuses bad SLA settings with 400 and keeps the old ones', async () => {
    const t = await slaTenant({ approve_within_hours: 2 });
    const bad: unknown[] = [
      { sla: { at_risk_ratio: 1.5 } },
      { sla: { at_risk_ratio: 0 } },
      { sla: { approve_within_hours: -1 } },
      { sla: { ship_within_hours: 'soon' } },
      { sla: { hubs: [{ hub_code: 'H1', cutoff_time: '25:00', working_days: null }] } },
      { sla: { hubs: [{ hub_code: 'H1', cutoff_time: null, working_days: [7] }] } },
      { sla: { hubs: [{ hub_code: 'H1', cutoff_time: null, working_days: [] }] } },
      { sla: { channels: [{ sales_channel: '', approve_within_hours: 1 }] } },
      { sla: { unknown: 1 } },
    ];
    for (const body of bad) {
      const res = await settings(t, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_failed');
    }
    const now = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/settings`, { headers: internalHeaders(t.tenantId) });
    assert.equal(now.body.data.sla.approve_within_hours, 2);
    assert.equal(now.body.data.sla.at_risk_ratio, 0.8);
  });
});
