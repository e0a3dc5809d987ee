import assert from 'node:assert/strict';
import { ALL_SCOPES } from '../router/scopes.js';
import { createHub, createTenant, eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { approvedOrder, readOrder, sendWms, stockedHub, untilStatus } from './fulfilment.fixtures.js';
import { getStack } from './support/stack.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { toOutboundEvent } from '../core/order/order-event.relay.js';
import { ParkedEventRepository } from '../core/order/parked-event.repository.js';
import { fillPath, quietSnapshot, routeTable, validBody, type Route, type WorldIds } from './support/surface.js';

const REFUSED = new Set([401, 403, 404]);
/** Path params that name a tenant's resource (not the caller's own seller or tenant). */
const RESOURCE_PARAMS = ['order_id', 'shipment_id', 'return_id', 'job_id', 'transfer_id', 'invoice_number', 'key_id', 'integration_id', 'effect_id', 'event_id', 'token_id', 'rule_id', 'version', 'queue', 'endpoint_id', 'delivery_id'];

interface Victim {
  t: TestTenant;
  ids: Record<string, string>;
  world: WorldIds;
  /** The delivered order: returns and invoices are asked of it. */
  deliveredId: string;
}

/** A tenant with one of everything the routes can name: orders, a shipment, a return, an invoice, a bulk job, a transfer, keys, an integration, a service token. */
async function victimWorld(): Promise<Victim> {
  const t = await createTenant('Victim');
  await stockedHub(t, 'H1', { A: 20 });
  await createHub(t.tenantId, { code: 'H2' });
  const delivered = await approvedOrder(t, [{ sku: 'A', quantity: 1 }]);
  await sendWms(t, delivered.id, 'shipped');
  await untilStatus(t, delivered.id, 'shipped');
  await sendWms(t, delivered.id, 'delivered');
  await untilStatus(t, delivered.id, 'delivered');
  const invoiced = await eventually('invoice issued', async () => (await readOrder(t, delivered.id)).invoice_number);
  const ret = await t.seller('POST', `/orders/${delivered.id}/returns`, { items: [{ seller_sku_code: 'A', quantity: 1, reason: 'damaged' }] });
  assert.equal(ret.status, 201, JSON.stringify(ret.body));
  const open = await approvedOrder(t, [{ sku: 'A', quantity: 2 }]);
  const shipment = await t.seller('POST', '/shipments', { order_id: open.id, courier: 'smsa', awb: `V-${open.id}` });
  assert.equal(shipment.status, 201, JSON.stringify(shipment.body));
  const transfer = await t.seller('POST', '/stock-transfers', { from_hub_code: 'H1', to_hub_code: 'H2', sku: 'A', quantity: 1 }, { 'idempotency-key': 'victim-1' });
  assert.ok([200, 201].includes(transfer.status), JSON.stringify(transfer.body));
  // approving an approved order fails per item: a finished job that changed nothing
  const job = await t.seller('POST', '/orders/bulk', { action: 'approve', order_ids: [open.id] });
  assert.equal(job.status, 202, JSON.stringify(job.body));
  await eventually('bulk job done', async () => (await t.seller('GET', `/bulk-jobs/${job.body.data.job_id}`)).body.data?.status === 'completed');
  const keys = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/sellers/${t.sellerId}/keys`, { headers: internalHeaders() });
  const integ = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/courier-integrations`, { body: { courier: 'smsa' }, headers: internalHeaders() });
  assert.equal(integ.status, 201, JSON.stringify(integ.body));
  const token = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'victim-svc', tenants: [t.tenantId], scopes: ['orders:read'] }, headers: internalHeaders() });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  // an effect id only exists once a side effect failed; any of the victim's effects serves, else a well-formed stranger
  const effect = await getStack().oms.container.platform.mongo.db.collection('effects').findOne({ tenant_id: t.tenantId });
  // a parked event only exists once the topic refused one for good: written as the relay leaves it
  const parkedEventId = `evt-victim-${open.id}`;
  const outboxEvent = { event_id: parkedEventId, type: 'order.updated.v1', sequence: 99, occurred_at: new Date(), payload: { source: 'surface' } };
  await new ParkedEventRepository(getStack().oms.container.platform.mongo.db).insert(tenantScope(t.tenantId), {
    id: parkedEventId, tenant_id: t.tenantId, seller_id: t.sellerId, order_id: open.id, event: outboxEvent.type, sequence: 99, status: 'parked', attempts: 3,
    reason: 'InvalidParameter', envelope: toOutboundEvent(open, outboxEvent), outbox_event: outboxEvent, first_failed_at: new Date(), parked_at: new Date(), replayed_at: null, updated_at: new Date(),
  });
  const rule = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/rules`, { body: { name: 'victim-rule', priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['victim'] }] }, headers: internalHeaders() });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  const hook = await t.seller('POST', '/webhooks', { url: 'http://127.0.0.1:9/victim', event_types: ['surface.never.v1'] });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  return {
    t,
    deliveredId: delivered.id,
    world: { tenantId: t.tenantId, sellerId: t.sellerId, orderId: open.id, hubs: ['H1', 'H2'], sku: 'A' },
    ids: {
      order_id: open.id,
      shipment_id: shipment.body.data.id ?? shipment.body.data.shipment_id,
      return_id: ret.body.data.id,
      job_id: job.body.data.job_id,
      transfer_id: transfer.body.data.id ?? 'key:victim-1',
      invoice_number: invoiced,
      key_id: keys.body.data[0].id,
      integration_id: integ.body.data.id,
      token_id: token.body.data.id,
      effect_id: effect ? String(effect._id) : 'eff_0000000000000000',
      event_id: parkedEventId,
      rule_id: rule.body.data.id,
      endpoint_id: hook.body.data.id,
      // no delivery exists for an event that never fires: a well-formed stranger
      delivery_id: 'whd_000000000000000000000000',
      queue: 'oms-create-order-queue',
      // a notification template: every tenant has one for each stage and channel (the default)
      stage: 'order_confirmed',
      channel: 'email',
      version: '1',
    },
  };
}

function idsFor(route: Route, v: Victim): Record<string, string> {
  const orderId = /\/(invoice|returns)$/.test(route.template) ? v.deliveredId : (v.ids.order_id as string);
  return { ...v.ids, order_id: orderId };
}

describe('security: the whole surface against another tenant', () => {
  it('refuses every seller and internal route called with another tenant\'s credential, and changes nothing of the victim', async function () {
    this.timeout(240_000);
    const victim = await victimWorld();
    const attacker = await createTenant('Attacker');
    const svc = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'attacker-svc', tenants: [attacker.tenantId], scopes: [...ALL_SCOPES] }, headers: internalHeaders() });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    const svcToken: string = svc.body.data.token;
    const routes = (await routeTable()).filter((r) => r.kind !== 'open');
    assert.ok(routes.length > 60, `only ${routes.length} routes in the table`);
    const before = await quietSnapshot(victim.t.tenantId);
    assert.ok(Object.values(before).flat().length > 10, 'the victim owns documents to protect');

    const wrong: string[] = [];
    let calls = 0;
    const call = async (label: string, route: Route, path: string, headers: Record<string, string>) => {
      const body = route.method === 'GET' ? undefined : validBody(route, victim.world);
      const res = await http(route.method, path, { body, headers });
      calls++;
      if (!REFUSED.has(res.status)) wrong.push(`${label} ${route.method} ${path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    };
    for (const route of routes) {
      const ids = idsFor(route, victim);
      const names = route.params.filter((p) => RESOURCE_PARAMS.includes(p));
      if (route.kind === 'public' || route.kind === 'aggregator') {
        const key = { authorization: `Bearer ${attacker.apiKey}` };
        await call('victim seller', route, fillPath(route.template, { ...ids, seller_id: victim.t.sellerId }), key);
        if (names.length) await call('own seller', route, fillPath(route.template, { ...ids, seller_id: attacker.sellerId }), key);
      } else if (route.kind === 'internal_seller') {
        await call('victim tenant', route, fillPath(route.template, { ...ids, seller_id: victim.t.sellerId }), { 'x-internal-token': svcToken, 'x-tenant-id': victim.t.tenantId });
        await call('own tenant header', route, fillPath(route.template, { ...ids, seller_id: victim.t.sellerId }), { 'x-internal-token': svcToken, 'x-tenant-id': attacker.tenantId });
        if (names.length) await call('own seller', route, fillPath(route.template, { ...ids, seller_id: attacker.sellerId }), { 'x-internal-token': svcToken, 'x-tenant-id': attacker.tenantId });
      } else if (route.kind === 'internal_tenant') {
        const header = { 'x-internal-token': svcToken };
        await call('victim tenant', route, fillPath(route.template, { ...ids, tenant_id: victim.t.tenantId, seller_id: victim.t.sellerId }), header);
        if (names.length || route.params.includes('seller_id')) {
          await call('own tenant', route, fillPath(route.template, { ...ids, tenant_id: attacker.tenantId, seller_id: victim.t.sellerId }), header);
        }
      } else {
        await call('all-tenant route', route, fillPath(route.template, ids), { 'x-internal-token': svcToken });
      }
    }
    // Bodies that name the victim's resources under the attacker's own seller.
    const key = { authorization: `Bearer ${attacker.apiKey}` };
    const ship = await http('POST', `/api/v1/sellers/${attacker.sellerId}/shipments`, { body: { order_id: victim.ids.order_id, courier: 'smsa', awb: 'EVIL-1' }, headers: key });
    assert.equal(ship.status, 404, JSON.stringify(ship.body));
    const bulk = await http('POST', `/api/v1/sellers/${attacker.sellerId}/orders/bulk`, { body: { action: 'cancel', order_ids: [victim.ids.order_id], reason: 'evil' }, headers: key });
    assert.equal(bulk.status, 202, JSON.stringify(bulk.body));
    const job = await eventually('attacker bulk job done', async () => {
      const res = await http('GET', `/api/v1/sellers/${attacker.sellerId}/bulk-jobs/${bulk.body.data.job_id}`, { headers: key });
      return res.body.data?.status === 'completed' ? res.body.data : null;
    });
    assert.equal(job.succeeded ?? 0, 0, JSON.stringify(job));

    assert.deepEqual(wrong, [], `${wrong.length} of ${calls} calls were not refused`);
    console.log(`      ${calls} cross-tenant calls over ${routes.length} routes, all refused`);
    assert.ok(calls > routes.length, `${calls} calls`);
    const after = await quietSnapshot(victim.t.tenantId);
    assert.deepEqual(after, before);
  });
});
