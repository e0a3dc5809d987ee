import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { AppError } from '../domain/errors.js';
import type { RouteResult } from '../../router/route-group.js';
import { toOrderView, type TimelineEntry } from '../domain/order.js';
import type { IdempotencyKeys } from './idempotency-keys.js';
import { CancelBody, CreateOrderBody, EditOrderBody, ListOrdersQuery, OrderParams } from './order.schemas.js';
import type { OrderService } from './order.service.js';
import { OrderView, TimelineEntryView } from './order.responses.js';
import { dataOf, pageOf } from '../../router/openapi/schemas.js';

const TAG = 'orders';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;
const IdempotencyHeader = z.object({
  'idempotency-key': z.string().regex(IDEMPOTENCY_KEY).optional().meta({ description: 'A retry with the same key and body answers the first response again' }),
});

/** API.md's create body: what a seller's developer copies first. */
export const CREATE_ORDER_EXAMPLE = {
  order_id: 'SO-1001',
  sales_channel: { name: 'shopify', order_id: '5551234' },
  order_items: [{ seller_sku_code: 'SKU-1', quantity: 2, unit_price: 10.5, sales_channel_order_item_id: 'li-1' }],
  customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000', push_token: 'ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]' },
  shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
  payment: { method: 'cod' as const, status: 'pending' as const, currency: 'SAR', total: 21.0 },
  hub_code: null,
};

/** Order routes, registered on both the public and the internal seller groups (API.md). */
export function registerOrderRoutes(groups: { seller: SellerRoutes }, orders: OrderService, keys: IdempotencyKeys): void {
  const routes = groups.seller;

  routes.add(
    {
      method: 'post',
      path: '/orders',
      operationId: 'createOrder',
      summary: 'Create an order (Idempotency-Key header replays the first response)',
      tag: TAG,
      status: 201,
      body: CreateOrderBody,
      example: CREATE_ORDER_EXAMPLE,
      headers: IdempotencyHeader,
      response: dataOf(OrderView),
      errors: { 409: 'order_already_exists (details.id is the existing order)', 422: 'idempotency_key_reused' },
    },
    async ({ body, caller, ctx }) => {
      const scope = caller.scope!;
      const create = async (): Promise<RouteResult & { status: number }> => ({ status: 201, body: { data: toOrderView(await orders.create(scope, body, caller.actor)) } });
      const key = ctx.get('idempotency-key');
      if (!key) return create();
      if (!IDEMPOTENCY_KEY.test(key)) throw AppError.validation([{ field: 'header.idempotency-key', message: 'letters, digits and _ . : - only, at most 200' }]);
      const result = await keys.run(scope, key, ctx.request.body, create);
      const headers: Record<string, string> = result.replayed ? { 'idempotent-replayed': 'true' } : {};
      return { status: result.status, body: result.body, headers };
    },
  );

  routes.add(
    { method: 'get', path: '/orders', operationId: 'listOrders', summary: 'List orders, newest first', tag: TAG, query: ListOrdersQuery, response: pageOf(OrderView) },
    async ({ query, caller }) => {
      const { page, per_page: perPage, ...filter } = query;
      const { orders: found, total } = await orders.list(caller.scope!, filter, page, perPage);
      return { body: { data: found.map(toOrderView), meta: { page, per_page: perPage, total } } };
    },
  );

  routes.add({ method: 'get', path: '/orders/:order_id', operationId: 'getOrder', summary: 'Get an order', tag: TAG, params: OrderParams, response: dataOf(OrderView) }, async ({ params, caller }) => ({
    body: { data: toOrderView(await orders.get(caller.scope!, params.order_id)) },
  }));

  routes.add(
    {
      method: 'put',
      path: '/orders/:order_id',
      operationId: 'editOrder',
      response: dataOf(OrderView),
      summary: 'Edit customer details, shipping address or (before approval) items',
      tag: TAG,
      params: OrderParams,
      body: EditOrderBody,
      errors: { 409: 'edit_not_allowed in this status, or order_in_progress (another change holds the order)' },
    },
    async ({ params, body, caller }) => ({ body: { data: toOrderView(await orders.edit(caller.scope!, params.order_id, body, caller.actor)) } }),
  );

  routes.add(
    {
      method: 'post',
      path: '/orders/:order_id/cancel',
      operationId: 'cancelOrder',
      response: dataOf(OrderView),
      summary: 'Cancel an order (its reserved stock is released)',
      tag: TAG,
      params: OrderParams,
      body: CancelBody,
      errors: { 409: 'invalid_transition or order_in_progress' },
    },
    async ({ params, body, caller }) => ({
      body: { data: toOrderView(await orders.cancel(caller.scope!, params.order_id, body.reason, caller.actor)) },
    }),
  );

  routes.add(
    {
      method: 'get',
      path: '/orders/:order_id/timeline',
      operationId: 'getOrderTimeline',
      summary: "The order's timeline, oldest first",
      tag: TAG,
      params: OrderParams,
      response: dataOf(z.array(TimelineEntryView)),
    },
    async ({ params, caller }) => ({ body: { data: (await orders.timeline(caller.scope!, params.order_id)).map(toTimelineView) } }),
  );
}

export function toTimelineView(entry: TimelineEntry): Record<string, unknown> {
  return {
    at: new Date(entry.at).toISOString(),
    actor: entry.actor,
    actor_name: entry.actor_name ?? null,
    kind: entry.kind,
    from: entry.from,
    to: entry.to,
    reason: entry.reason,
    details: entry.details ?? {},
  };
}
