import type { SellerRoutes } from '../../router/app.js';
import { AppError } from '../domain/errors.js';
import type { RouteResult } from '../../router/route-group.js';
import { toOrderView, type TimelineEntry } from '../domain/order.js';
import type { IdempotencyKeys } from './idempotency-keys.js';
import { CancelBody, CreateOrderBody, EditOrderBody, ListOrdersQuery, OrderParams } from './order.schemas.js';
import type { OrderService } from './order.service.js';

const TAG = 'orders';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Order routes, registered on both the public and the internal seller groups (API.md). */
export function registerOrderRoutes(groups: { seller: SellerRoutes }, orders: OrderService, keys: IdempotencyKeys): void {
  const routes = groups.seller;

  routes.add(
    {
      method: 'post',
      path: '/orders',
      summary: 'Create an order (Idempotency-Key header replays the first response)',
      tag: TAG,
      status: 201,
      body: CreateOrderBody,
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
    { method: 'get', path: '/orders', summary: 'List orders, newest first', tag: TAG, query: ListOrdersQuery },
    async ({ query, caller }) => {
      const { page, per_page: perPage, ...filter } = query;
      const { orders: found, total } = await orders.list(caller.scope!, filter, page, perPage);
      return { body: { data: found.map(toOrderView), meta: { page, per_page: perPage, total } } };
    },
  );

  routes.add({ method: 'get', path: '/orders/:order_id', summary: 'Get an order', tag: TAG, params: OrderParams }, async ({ params, caller }) => ({
    body: { data: toOrderView(await orders.get(caller.scope!, params.order_id)) },
  }));

  routes.add(
    {
      method: 'put',
      path: '/orders/:order_id',
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
    { method: 'get', path: '/orders/:order_id/timeline', summary: "The order's timeline, oldest first", tag: TAG, params: OrderParams },
    async ({ params, caller }) => ({ body: { data: (await orders.timeline(caller.scope!, params.order_id)).map(toTimelineView) } }),
  );
}

export function toTimelineView(entry: TimelineEntry): Record<string, unknown> {
  return {
    at: new Date(entry.at).toISOString(),
    actor: entry.actor,
    kind: entry.kind,
    from: entry.from,
    to: entry.to,
    reason: entry.reason,
    details: entry.details ?? {},
  };
}
