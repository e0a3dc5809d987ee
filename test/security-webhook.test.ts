import assert from 'node:assert/strict';
import { signCourierWebhook } from '../core/shipment/courier-webhook.auth.js';
import { createTenant, http, internalHeaders, type TestTenant } from './support/api.js';
import { approvedOrder, readOrder, sendWms, stockedHub, untilStatus } from './fulfilment.fixtures.js';

/** A shipped order of a fresh tenant with a courier integration of its own. */
async function shippedWithIntegration(courier: string): Promise<{ t: TestTenant; awb: string; shipmentId: string; orderId: string; secret: string; integrationId: string }> {
  const t = await createTenant();
  await stockedHub(t, 'H1', { S: 5 });
  const order = await approvedOrder(t, [{ sku: 'S', quantity: 1 }]);
  const awb = `AWB-${Math.random().toString(36).slice(2, 10)}`;
  await sendWms(t, order.id, 'shipped', { shipment: { awb, courier } });
  const shipped = await untilStatus(t, order.id, 'shipped');
  const integ = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/courier-integrations`, { body: { courier }, headers: internalHeaders() });
  assert.equal(integ.status, 201, JSON.stringify(integ.body));
  assert.match(integ.body.data.secret, /^whsec_/);
  return { t, awb, shipmentId: shipped.shipment!.shipment_id!, orderId: order.id, secret: integ.body.data.secret, integrationId: integ.body.data.id };
}

function post(ref: string, body: unknown, headers: Record<string, string>) {
  return http('POST', `/v1/shipments/${ref}/status`, { raw: JSON.stringify(body), headers });
}

function signed(secret: string, body: unknown, id = `msg_${Math.random().toString(36).slice(2)}`, at = new Date()) {
  return signCourierWebhook(secret, id, JSON.stringify(body), at);
}

describe('security: courier webhooks (Standard Webhooks, per-tenant secrets)', () => {
  it('refuses a body signed for one tenant posted to another tenant\'s shipment with 404, and applies nothing', async () => {
    const a = await shippedWithIntegration('aramex');
    const b = await shippedWithIntegration('aramex');
    const delivered = { status: 'DELIVERED', timestamp: new Date().toISOString() };
    const cross = await post(b.shipmentId, delivered, signed(a.secret, delivered));
    assert.equal(cross.status, 404, JSON.stringify(cross.body));
    const crossByAwb = await post(b.awb, delivered, signed(a.secret, delivered));
    assert.equal(crossByAwb.status, 404);
    assert.equal((await readOrder(b.t, b.orderId)).status, 'shipped');
    // the right secret for the right shipment is applied
    const own = await post(b.awb, delivered, signed(b.secret, delivered));
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal((await readOrder(b.t, b.orderId)).status, 'delivered');
  });

  it('refuses stale webhook timestamps (401), replays of a webhook-id, and scan dates in the future (400)', async () => {
    const s = await shippedWithIntegration('dhl');
    const scan = { status: 'IN_TRANSIT', timestamp: new Date().toISOString() };
    const old = await post(s.awb, scan, signed(s.secret, scan, 'msg_old', new Date(Date.now() - 10 * 60_000)));
    assert.equal(old.status, 401);
    const tampered = signed(s.secret, scan);
    const forged = await post(s.awb, { ...scan, status: 'DELIVERED' }, tampered);
    assert.equal(forged.status, 404);
    assert.equal((await post(s.awb, scan, {})).status, 401);
    const future = { status: 'DELIVERED', timestamp: '2099-01-01T00:00:00Z' };
    const f = await post(s.awb, future, signed(s.secret, future));
    assert.equal(f.status, 400);
    assert.deepEqual(f.body.error.details.map((d: any) => d.field), ['timestamp']);
    const ancient = { status: 'DELIVERED', timestamp: '1971-01-01T00:00:00Z' };
    assert.equal((await post(s.awb, ancient, signed(s.secret, ancient))).status, 400);
    assert.equal((await readOrder(s.t, s.orderId)).status, 'shipped');
    // the same webhook-id twice: the second is answered as a duplicate and not applied again
    const headers = signed(s.secret, scan, 'msg_once');
    assert.equal((await post(s.awb, scan, headers)).status, 200);
    const again = await post(s.awb, scan, headers);
    assert.equal(again.status, 200);
    assert.equal(again.body.data.outcome, 'duplicate');
    const o = await readOrder(s.t, s.orderId);
    assert.equal(o.timeline.filter((e) => e.kind === 'courier_report').length, 1);
  });

  it('rotates a secret with a grace period: old and new both verify until the grace ends', async () => {
    const s = await shippedWithIntegration('smsa');
    const rotated = await http('POST', `/internal/api/v1/tenants/${s.t.tenantId}/courier-integrations/${s.integrationId}/rotate`, { body: { grace_seconds: 0 }, headers: internalHeaders() });
    assert.equal(rotated.status, 200);
    const scan = { status: 'IN_TRANSIT', timestamp: new Date().toISOString() };
    assert.equal((await post(s.awb, scan, signed(s.secret, scan))).status, 404, 'grace 0: the old secret stops at once');
    const fresh = rotated.body.data.secret as string;
    assert.equal((await post(s.awb, scan, signed(fresh, scan))).status, 200);
    const graced = await http('POST', `/internal/api/v1/tenants/${s.t.tenantId}/courier-integrations/${s.integrationId}/rotate`, { body: { grace_seconds: 600 }, headers: internalHeaders() });
    const later = { status: 'DELIVERED', timestamp: new Date().toISOString() };
    assert.equal((await post(s.awb, later, signed(fresh, later))).status, 200, 'the previous secret works during the grace period');
    assert.notEqual(graced.body.data.secret, fresh);
    const audit = await http('GET', `/internal/api/v1/tenants/${s.t.tenantId}/audit-log`, { headers: internalHeaders() });
    assert.deepEqual(audit.body.data.map((e: any) => e.action).filter((a: string) => a.startsWith('courier_secret')), ['courier_secret.rotated', 'courier_secret.rotated', 'courier_secret.issued']);
  });
});
