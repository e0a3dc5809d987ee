import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Middleware } from 'openapi-fetch';
import { createOmsClient } from '../clients/ts/index.js';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from '../scripts/client-schema.js';
import { createHub, createTenant, eventually } from './support/api.js';
import { contract, fetchServedDocuments } from './support/contract.js';
import { getStack } from './support/stack.js';

/** The contract check of test/support/api.ts, for answers the generated client receives. */
const checkedByContract: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    (await contract()).check(request.method, request.url, response.status, response.headers.get('content-type'), text ? JSON.parse(text) : null);
  },
};

describe('the typed client (clients/ts)', () => {
  it('is generated from the document the app serves (npm run client:generate when this fails)', async () => {
    const served = await clientSchemaSource((await fetchServedDocuments()).public);
    const committed = readFileSync(CLIENT_SCHEMA_FILE, 'utf8');
    assert.ok(served === committed, `${CLIENT_SCHEMA_FILE} is stale: run npm run client:generate and commit it`);
  });

  it("places an order and follows it to approved the way a seller's developer would, with the client only", async () => {
    // The platform's part (tenant, seller key, hub) is not the seller's API.
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'RUH-1' });
    const oms = createOmsClient(getStack().baseUrl, t.apiKey);
    oms.use(checkedByContract);
    const seller = { seller_id: t.sellerId };

    const stock = await oms.PUT('/api/v1/sellers/{seller_id}/inventory', { params: { path: seller }, body: { hub_code: 'RUH-1', sku: 'SKU-1', quantity: 5 } });
    assert.equal(stock.data?.data.available, 5);

    const created = await oms.POST('/api/v1/sellers/{seller_id}/orders', {
      params: { path: seller, header: { 'idempotency-key': `client-${t.sellerId}` } },
      body: {
        order_id: 'SO-CLIENT-1',
        order_items: [{ seller_sku_code: 'SKU-1', quantity: 2, unit_price: 10.5 }],
        customer: { name: 'Aisha Khan', email: 'aisha@example.com' },
        shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA', latitude: 24.71, longitude: 46.67 },
        payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 21 },
      },
    });
    assert.equal(created.response.status, 201);
    const order = created.data!.data;
    assert.equal(order.order_id, 'SO-CLIENT-1');

    const approved = await eventually('the order to be approved', async () => {
      const got = await oms.GET('/api/v1/sellers/{seller_id}/orders/{order_id}', { params: { path: { ...seller, order_id: order.id } } });
      return got.data?.data.status === 'approved' ? got.data.data : null;
    });
    assert.equal(approved.hub_code, 'RUH-1');

    const timeline = await oms.GET('/api/v1/sellers/{seller_id}/orders/{order_id}/timeline', { params: { path: { ...seller, order_id: order.id } } });
    assert.deepEqual(
      timeline.data!.data.filter((e) => e.kind === 'status_changed').map((e) => e.to),
      ['approved'],
    );
    const rows = await oms.GET('/api/v1/sellers/{seller_id}/inventory', { params: { path: seller, query: { sku: 'SKU-1' } } });
    assert.deepEqual(rows.data!.data.map((r) => [r.hub_code, r.reserved, r.available]), [['RUH-1', 2, 3]]);

    // Errors come back typed as the one Error body.
    const missing = await oms.GET('/api/v1/sellers/{seller_id}/orders/{order_id}', { params: { path: { ...seller, order_id: 'ord_missing' } } });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.error.code, 'order_not_found');
  });
});
