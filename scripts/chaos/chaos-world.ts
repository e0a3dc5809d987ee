import { expectStatus, type Answer, type ApiClient } from '../bench/per-order/api-client.js';
import { DEMO_RECIPIENT, HUBS, inParallel } from '../bench/per-order/world.js';

/** The chaos run's tenant: auto-approval, a seller, a courier integration (Standard Webhooks), three hubs, stock. */
export interface ChaosWorld {
  tenantId: string;
  sellerId: string;
  courierSecret: string;
  skus: string[];
  hotSku: string;
  hubCodes: string[];
  seller(method: string, path: string, body?: unknown): Promise<Answer>;
}


export async function createChaosWorld(api: ApiClient, options: { orders: number; hotUnits: number }): Promise<ChaosWorld> {
  const tenant = expectStatus('create tenant', await api.internal('POST', '/tenants', { name: `chaos ${new Date().toISOString()}` }), 201);
  const tenantId: string = tenant.body.data.id;
  expectStatus('tenant settings', await api.internal('PUT', `/tenants/${tenantId}/settings`, { auto_approval: true }), 200);
  const seller = expectStatus('create seller', await api.internal('POST', `/tenants/${tenantId}/sellers`, { name: 'Chaos seller', code: 'chaos' }), 201);
  const sellerId: string = seller.body.data.id;
  const courier = expectStatus('courier integration', await api.internal('POST', `/tenants/${tenantId}/courier-integrations`, { courier: 'chaos-express' }), 201);
  const auth = { authorization: `Bearer ${seller.body.data.api_key as string}` };
  const world: ChaosWorld = {
    tenantId,
    sellerId,
    courierSecret: courier.body.data.secret,
    skus: Array.from({ length: 10 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`),
    hotSku: 'HOT-1',
    hubCodes: HUBS.map((h) => h.code),
    seller: (method, path, body) => api.call(method, `/api/v1/sellers/${sellerId}${path}`, body, auth, 30_000),
  };
  // A daily capacity far above the load, so every routed order takes a hub-day slot the run can check.
  for (const hub of HUBS) expectStatus(`hub ${hub.code}`, await api.internal('POST', `/tenants/${tenantId}/hubs`, { ...hub, daily_capacity: options.orders * 4 }), 201);
  const rows = HUBS.flatMap((hub, h) => [
    ...world.skus.map((sku) => ({ hub_code: hub.code, sku, quantity: options.orders * 2 })),
    // The hot SKU: fewer units in all than the orders racing for them.
    { hub_code: hub.code, sku: world.hotSku, quantity: Math.floor(options.hotUnits / HUBS.length) + (h === 0 ? options.hotUnits % HUBS.length : 0) },
  ]);
  await inParallel(rows, 6, async (row) => void expectStatus(`stock ${row.hub_code} ${row.sku}`, await world.seller('PUT', '/inventory', row), 200, 201));
  return world;
}

/** A create body as in API.md; a hot order asks for one unit of the hot SKU besides its usual line. */
export function chaosOrderBody(world: ChaosWorld, ref: string, n: number, hot: boolean): Record<string, unknown> {
  const items = [{ seller_sku_code: world.skus[n % world.skus.length], quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }];
  if (hot) items.push({ seller_sku_code: world.hotSku, quantity: 1, unit_price: 25, sales_channel_order_item_id: 'li-2' });
  return {
    order_id: ref,
    sales_channel: { name: 'shopify', order_id: `ch-${ref}` },
    order_items: items,
    ...DEMO_RECIPIENT,
    // Each order's own device, so every customer push of the run can be told apart and counted.
    customer: { ...DEMO_RECIPIENT.customer, push_token: `chaos-device-${ref}` },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: hot ? 35 : 10 },
  };
}
