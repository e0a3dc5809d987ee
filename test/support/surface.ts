import { http, internalHeaders } from './api.js';
import { getStack } from './stack.js';

/**
 * The route table as the running app publishes it (GET /openapi.json), and what the surface tests
 * need around it: a valid body for every write route and a snapshot of everything a tenant owns.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI template: /api/v1/sellers/{seller_id}/orders/{order_id} */
  template: string;
  kind: 'public' | 'aggregator' | 'internal_seller' | 'internal_tenant' | 'internal_global' | 'open';
  /** The template without its router prefix: /orders/{order_id} */
  relative: string;
  params: string[];
  hasBody: boolean;
}

const PREFIXES: [Route['kind'], RegExp][] = [
  ['public', /^\/api\/v1\/sellers\/\{seller_id\}/],
  ['aggregator', /^\/aggregator\/api\/v1\/sellers\/\{seller_id\}/],
  ['internal_seller', /^\/internal\/api\/v1\/sellers\/\{seller_id\}/],
  ['internal_tenant', /^\/internal\/api\/v1(?=\/tenants\/\{tenant_id\})/],
  ['internal_global', /^\/internal\/api\/v1/],
];

/** Every route of both documents the app serves (public and internal). */
export async function routeTable(): Promise<Route[]> {
  const paths: Record<string, Record<string, { requestBody?: unknown }>> = {};
  for (const doc of ['/openapi.json', '/internal/openapi.json']) {
    const res = await http('GET', doc, { headers: internalHeaders() });
    if (res.status !== 200) throw new Error(`${doc}: ${res.status}`);
    Object.assign(paths, res.body.paths);
  }
  const routes: Route[] = [];
  for (const [template, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const [kind, prefix] = PREFIXES.find(([, re]) => re.test(template)) ?? ['open' as const, /^/];
      routes.push({
        method: method.toUpperCase() as Route['method'],
        template,
        kind,
        relative: template.replace(prefix, ''),
        params: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return routes;
}

export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for path param ${name} in ${template}`);
    return v;
  });
}

/** Ids of one tenant's resources, used in paths and bodies. */
export interface WorldIds {
  tenantId: string;
  sellerId: string;
  orderId: string;
  hubs: [string, string];
  sku: string;
}

/**
 * A valid body for each write route, keyed by "METHOD relative-path" (public and internal seller
 * routes share theirs). A write route missing here fails the surface tests, so a new route gets
 * walked and fuzzed the day it is added.
 */
export function validBody(route: Route, w: WorldIds): unknown {
  const key = `${route.method} ${route.relative}`;
  const ref = `SURF-${Math.random().toString(36).slice(2, 10)}`;
  const order = {
    order_id: ref,
    sales_channel: { name: 'shopify', order_id: `ch-${ref}` },
    order_items: [{ seller_sku_code: w.sku, quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-0' }],
    customer: { name: 'Mallory', email: 'm@example.com', phone: '+966500000001' },
    shipping_address: { line1: 'Street 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'prepaid', status: 'paid', currency: 'SAR', total: 10 },
  };
  const bodies: Record<string, unknown> = {
    'POST /tenants': { name: 'Surface' },
    'POST /tenants/{tenant_id}/sellers': { name: 'Surface', code: `c-${ref.slice(5)}` },
    'PUT /tenants/{tenant_id}/settings': { auto_approval: false, routing: { proximity_weight: 0.1, performance_weight: 0.9 } },
    'POST /tenants/{tenant_id}/sellers/{seller_id}/keys': { name: 'surface', scopes: ['orders:read', 'orders:write'] },
    'POST /tenants/{tenant_id}/sellers/{seller_id}/keys/{key_id}/rotate': { grace_seconds: 0 },
    'POST /tenants/{tenant_id}/sellers/{seller_id}/keys/{key_id}/revoke': {},
    'POST /service-tokens': { name: 'surface', tenants: [w.tenantId], scopes: ['orders:read'] },
    'POST /service-tokens/{token_id}/revoke': {},
    'PUT /tenants/{tenant_id}/rate-limits': { key_per_minute: 1, tenant_per_minute: 1 },
    'POST /tenants/{tenant_id}/hubs': { code: `HX-${ref.slice(5)}`, name: 'X', latitude: 24.7, longitude: 46.7 },
    'POST /tenants/{tenant_id}/effects/{effect_id}/replay': {},
    'PUT /tenants/{tenant_id}/notification-templates/{stage}/{channel}': { subject: 'Surface {{order.order_id}}', body: '<p>{{customer.name}}</p>' },
    'DELETE /tenants/{tenant_id}/notification-templates/{stage}/{channel}': undefined,
    'POST /tenants/{tenant_id}/parked-events/{event_id}/replay': {},
    'POST /tenants/{tenant_id}/courier-integrations': { courier: `c${ref.slice(5)}` },
    'POST /tenants/{tenant_id}/courier-integrations/{integration_id}/rotate': { grace_seconds: 0 },
    'POST /orders': order,
    'PUT /orders/{order_id}': { edit_type: 'customer_details', customer: { name: 'Mallory' } },
    'POST /orders/{order_id}/cancel': { reason: 'surface' },
    'POST /orders/{order_id}/approve': {},
    'POST /orders/{order_id}/assign-hub': { hub_code: w.hubs[1] },
    'POST /orders/{order_id}/reassign-hub': { hub_code: w.hubs[1], reason: 'surface' },
    'POST /orders/{order_id}/routing-preview': {},
    'POST /orders/{order_id}/payments': { event_id: `pe-${ref}`, type: 'authorized' },
    'POST /orders/approve-on-hold': { all: true },
    'PUT /inventory': { hub_code: w.hubs[0], sku: w.sku, quantity: 0 },
    'POST /stock-transfers': { from_hub_code: w.hubs[0], to_hub_code: w.hubs[1], sku: w.sku, quantity: 1 },
    'POST /shipments': { order_id: w.orderId, courier: 'smsa', awb: `AWB-${ref}` },
    'POST /shipments/bulk': { shipments: [{ order_id: w.orderId, courier: 'smsa', awb: `AWB-${ref}` }] },
    'PUT /shipments/{shipment_id}': { awb: `AWB-${ref}` },
    'POST /orders/{order_id}/returns': { items: [{ seller_sku_code: w.sku, quantity: 1, reason: 'surface' }] },
    'POST /returns/{return_id}/receive': {},
    'POST /returns/{return_id}/refund': {},
    'POST /returns/{return_id}/close': {},
    'POST /orders/bulk': { action: 'cancel', order_ids: [w.orderId], reason: 'surface' },
    'POST /orders/bulk-create': { orders: [order] },
    'POST /orders/bulk-create/upload': {},
    'POST /tenants/{tenant_id}/rules': { name: `surface-${ref.slice(5)}`, priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['surface'] }] },
    'PUT /tenants/{tenant_id}/rules/{rule_id}': { name: `surface-${ref.slice(5)}`, priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['surface'] }] },
    'POST /tenants/{tenant_id}/rules/rollback': { version: 1 },
    'POST /tenants/{tenant_id}/rules/dry-run': { order_id: w.orderId },
    'POST /rules': { name: `surface-${ref.slice(5)}`, priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['surface'] }] },
    'PUT /rules/{rule_id}': { name: `surface-${ref.slice(5)}`, priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['surface'] }] },
    'POST /rules/rollback': { version: 1 },
    'POST /rules/dry-run': { order_id: w.orderId },
    'DELETE /tenants/{tenant_id}/rules/{rule_id}': undefined,
    'DELETE /rules/{rule_id}': undefined,
    'POST /dlq/{queue}/redrive': { message_ids: ['surface-none'], dry_run: true },
    // Webhooks: a loopback URL (allowed by the test stack) that nothing listens on, for an event that never fires.
    'POST /webhooks': { url: 'http://127.0.0.1:9/surface', event_types: ['surface.never.v1'] },
    'PUT /webhooks/{endpoint_id}': { description: 'surface' },
    'DELETE /webhooks/{endpoint_id}': undefined,
    'POST /webhooks/{endpoint_id}/rotate-secret': { grace_seconds: 0 },
    'POST /webhooks/{endpoint_id}/enable': {},
    'POST /webhooks/{endpoint_id}/deliveries/{delivery_id}/replay': {},
    'POST /webhooks/{endpoint_id}/replay': { since: '2026-01-01T00:00:00Z' },
  };
  if (!(key in bodies)) throw new Error(`no valid body for write route ${route.method} ${route.template}: add one to test/support/surface.ts`);
  return bodies[key];
}

/**
 * Fields that change without anyone writing through the API: a key's last use is recorded on
 * reads, and the relay drains an order's outbox up to seconds after the write that filled it.
 */
const VOLATILE = new Set(['last_used_at', 'outbox', 'outbox_pending']);

/**
 * Every document of a tenant in every collection (tenant_id, the tenant document itself, service
 * tokens limited to it), as canonical JSON per collection: equal snapshots mean nothing was written.
 */
export async function tenantSnapshot(tenantId: string): Promise<Record<string, string[]>> {
  const { db } = getStack().oms.container.platform.mongo;
  const out: Record<string, string[]> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const docs = await db.collection(name).find({ $or: [{ tenant_id: tenantId }, { _id: tenantId as never }, { tenants: tenantId }] }).toArray();
    out[name] = docs.map((d) => JSON.stringify(d, (k, v: unknown) => (VOLATILE.has(k) ? undefined : v))).sort();
  }
  return out;
}

/** Waits until two snapshots a second apart agree (workers, relays and sweepers are done with the tenant). */
export async function quietSnapshot(tenantId: string, timeoutMs = 20_000): Promise<Record<string, string[]>> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await tenantSnapshot(tenantId));
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const next = await tenantSnapshot(tenantId);
    if (JSON.stringify(next) === last) return next;
    last = JSON.stringify(next);
  }
  throw new Error(`tenant ${tenantId} did not settle within ${timeoutMs} ms`);
}
