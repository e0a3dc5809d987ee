import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { signCourierBody } from '../core/shipment/courier-signature.js';
import { OrderRepository } from '../core/order/order.repository.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Order } from '../core/domain/order.js';
import { createHub, eventually, http, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';

/** Helpers shared by the fulfilment, shipment, invoice and return tests. */

export function orderRepo(): OrderRepository {
  return new OrderRepository(getStack().oms.container.platform.mongo.db);
}

export async function readOrder(t: TestTenant, id: string): Promise<Order> {
  const order = await orderRepo().findInTenant(tenantScope(t.tenantId), id);
  if (!order) throw new Error(`order ${id} not found`);
  return order;
}

let seq = 0;
export function orderBody(items: { sku: string; quantity: number; unit_price?: number }[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ref = `SO-${Date.now().toString(36)}-${++seq}`;
  return {
    order_id: ref,
    sales_channel: { name: 'shopify', order_id: `ch-${ref}` },
    order_items: items.map((i, n) => ({ seller_sku_code: i.sku, quantity: i.quantity, unit_price: i.unit_price ?? 10, sales_channel_order_item_id: `li-${n}` })),
    customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000' },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'prepaid', status: 'paid', currency: 'SAR', total: items.reduce((s, i) => s + i.quantity * (i.unit_price ?? 10), 0) },
    ...extra,
  };
}

/** A hub with stock for the given SKUs (through the public inventory API). */
export async function stockedHub(t: TestTenant, code: string, stock: Record<string, number>): Promise<void> {
  await createHub(t.tenantId, { code });
  for (const [sku, quantity] of Object.entries(stock)) {
    const res = await t.seller('PUT', '/inventory', { hub_code: code, sku, quantity });
    if (res.status !== 200 && res.status !== 201) throw new Error(`stock set failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export async function stockRow(t: TestTenant, hub: string, sku: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await t.seller('GET', `/inventory?hub_code=${hub}&sku=${encodeURIComponent(sku)}`);
  const row = res.body.data.find((r: { sku: string; hub_code: string }) => r.sku === sku && r.hub_code === hub);
  return { on_hand: row.on_hand, reserved: row.reserved, available: row.available };
}

/** The real flow: created through the public API, routed and approved by the OMS. */
export async function approvedOrder(t: TestTenant, items: { sku: string; quantity: number; unit_price?: number }[]): Promise<Order> {
  const res = await t.seller('POST', '/orders', orderBody(items));
  if (res.status !== 201) throw new Error(`order create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return eventually(`order ${res.body.data.id} approved`, async () => {
    const o = await readOrder(t, res.body.data.id);
    return o.status === 'approved' ? o : null;
  });
}

export async function sendWms(t: TestTenant, orderId: string, status: string, extra: Record<string, unknown> = {}): Promise<void> {
  await getStack().oms.container.platform.queues.send('shipment', {
    event: 'order_status_update',
    tenant_id: t.tenantId,
    seller_id: t.sellerId,
    order_id: orderId,
    status,
    occurred_at: new Date().toISOString(),
    ...extra,
  });
}

export async function untilStatus(t: TestTenant, orderId: string, status: string, extra: (o: Order) => boolean = () => true): Promise<Order> {
  return eventually(`order ${orderId} ${status}`, async () => {
    const o = await readOrder(t, orderId);
    return o.status === status && extra(o) ? o : null;
  });
}

export async function courier(id: string, body: unknown, signature?: string) {
  const raw = JSON.stringify(body);
  return http('POST', `/v1/shipments/${encodeURIComponent(id)}/status`, {
    raw,
    headers: { 'x-signature': signature ?? signCourierBody(getStack().config.courier.webhook_secret, raw) },
  });
}

/** Dead-lettered shipment-queue messages about `orderId` (peeked, left on the DLQ). */
export async function deadLettered(orderId: string): Promise<{ body: any; attributes: Record<string, string> }[]> {
  const { queues } = getStack().oms.container.platform;
  const url = await queues.url(queues.dlqName('shipment'));
  const found: { body: any; attributes: Record<string, string> }[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await queues.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    for (const m of res.Messages ?? []) {
      const body = JSON.parse(m.Body ?? '{}');
      if (body.order_id !== orderId || found.some((f) => f.body.occurred_at === body.occurred_at && f.body.status === body.status)) continue;
      found.push({ body, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])) });
    }
  }
  return found;
}

export function statusMoves(o: Order): string[] {
  return o.timeline.filter((e) => e.kind === 'status_changed').map((e) => `${e.from}->${e.to}`);
}
