import assert from 'node:assert/strict';
import { createTenant, eventually, http, internalHeaders } from './support/api.js';
import { orderBody, readOrder, stockedHub } from './fulfilment.fixtures.js';

describe('service identities on the timeline (#13 item 3)', () => {
  it("records the calling service's name as the actor of the timeline entries an internal call writes", async () => {
    const t = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-A': 10 });
    const issued = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'checkout', tenants: [t.tenantId], scopes: ['orders:read', 'orders:write'] }, headers: internalHeaders() });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const svc = { 'x-internal-token': issued.body.data.token, 'x-tenant-id': t.tenantId };

    const created = await http('POST', `/internal/api/v1/sellers/${t.sellerId}/orders`, { body: orderBody([{ sku: 'SKU-A', quantity: 1 }]), headers: svc });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.data.id;
    // Routing holds the order's lock right after create; cancel once it has been routed (a 409 meanwhile is the API's answer).
    await eventually('the order routed', async () => (await readOrder(t, id)).status === 'approved');
    const cancelled = await http('POST', `/internal/api/v1/sellers/${t.sellerId}/orders/${id}/cancel`, { body: { reason: 'customer called' }, headers: svc });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

    const order = await readOrder(t, id);
    const byService = order.timeline.filter((e) => e.actor === 'internal');
    assert.deepEqual(
      byService.map((e) => [e.kind, e.actor_name]),
      [
        ['created', 'service:checkout'],
        ['status_changed', 'service:checkout'],
      ],
    );
    // what other actors wrote (routing by the system) names no service
    assert.ok(order.timeline.filter((e) => e.actor !== 'internal').every((e) => e.actor_name === undefined));

    // the API shows it; the platform token is a service too
    const timeline = await http('GET', `/internal/api/v1/sellers/${t.sellerId}/orders/${id}/timeline`, { headers: internalHeaders(t.tenantId) });
    assert.equal(timeline.status, 200);
    const cancel = timeline.body.data.find((e: { to: string | null }) => e.to === 'cancelled');
    assert.equal(cancel.actor, 'internal');
    assert.equal(cancel.actor_name, 'service:checkout');

    const other = await http('POST', `/internal/api/v1/sellers/${t.sellerId}/orders`, { body: orderBody([{ sku: 'SKU-A', quantity: 1 }]), headers: internalHeaders(t.tenantId) });
    assert.equal(other.status, 201);
    assert.equal((await readOrder(t, other.body.data.id)).timeline[0]?.actor_name, 'service:platform');
  });

  it('names no service on entries a seller wrote', async () => {
    const t = await createTenant();
    const created = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-A', quantity: 1 }]));
    assert.equal(created.status, 201);
    const timeline = await t.seller('GET', `/orders/${created.body.data.id}/timeline`);
    assert.equal(timeline.body.data[0].actor, 'seller');
    assert.equal(timeline.body.data[0].actor_name, null);
  });
});
