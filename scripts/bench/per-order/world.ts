import { expectStatus, type ApiClient, type Answer } from './api-client.js';

/** What a new user sets up before the first order: a tenant with auto-approval, a seller, hubs, stock. */
export interface World {
  tenantId: string;
  sellerId: string;
  skus: string[];
  seller(method: string, path: string, body?: unknown): Promise<Answer>;
}

/** Three hubs a new user might set up (the bench's and the chaos run's world). */
export const HUBS = [
  { code: 'RUH-1', name: 'Riyadh', latitude: 24.71, longitude: 46.67, performance_score: 0.9 },
  { code: 'JED-1', name: 'Jeddah', latitude: 21.48, longitude: 39.19, performance_score: 0.8 },
  { code: 'DMM-1', name: 'Dammam', latitude: 26.42, longitude: 50.08, performance_score: 0.7 },
];

/** Runs `op` over `items` with at most `concurrency` at once. */
export async function inParallel<T>(items: T[], concurrency: number, op: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await op(items[i] as T, i);
      }
    }),
  );
}

export async function createWorld(api: ApiClient, options: { skus: number; unitsPerSku: number }): Promise<World> {
  const tenant = expectStatus('create tenant', await api.internal('POST', '/tenants', { name: 'bench per-order' }), 201);
  const tenantId: string = tenant.body.data.id;
  expectStatus('tenant settings', await api.internal('PUT', `/tenants/${tenantId}/settings`, { auto_approval: true }), 200);
  const seller = expectStatus('create seller', await api.internal('POST', `/tenants/${tenantId}/sellers`, { name: 'Bench seller', code: 'bench' }), 201);
  const sellerId: string = seller.body.data.id;
  const auth = { authorization: `Bearer ${seller.body.data.api_key as string}` };
  const world: World = {
    tenantId,
    sellerId,
    skus: Array.from({ length: options.skus }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`),
    seller: (method, path, body) => api.call(method, `/api/v1/sellers/${sellerId}${path}`, body, auth),
  };
  for (const hub of HUBS) expectStatus(`create hub ${hub.code}`, await api.internal('POST', `/tenants/${tenantId}/hubs`, hub), 201);
  const rows = HUBS.flatMap((hub) => world.skus.map((sku) => ({ hub_code: hub.code, sku, quantity: options.unitsPerSku })));
  await inParallel(rows, 8, async (row) => void expectStatus(`stock ${row.hub_code} ${row.sku}`, await world.seller('PUT', '/inventory', row), 200, 201));
  return world;
}

/** The customer and address of every generated order (README's example). */
export const DEMO_RECIPIENT = {
  customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000' },
  shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
};

let sequence = 0;

/** A create body as in API.md: `lines` distinct SKUs, one unit each, cash on delivery. */
export function orderBody(world: World, n: number, lines: number): Record<string, unknown> {
  const ref = `B-${Date.now().toString(36)}-${++sequence}`;
  const items = Array.from({ length: lines }, (_, j) => ({
    seller_sku_code: world.skus[(n * lines + j) % world.skus.length],
    quantity: 1,
    unit_price: 10,
    sales_channel_order_item_id: `li-${j + 1}`,
  }));
  return {
    order_id: ref,
    sales_channel: { name: 'shopify', order_id: `ch-${ref}` },
    order_items: items,
    ...DEMO_RECIPIENT,
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 * lines },
  };
}
