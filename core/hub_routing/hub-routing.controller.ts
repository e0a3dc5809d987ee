import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { toOrderView } from '../domain/order.js';
import type { HubRoutingService } from './hub-routing.service.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { OrderView } from '../order/order.responses.js';
import { HoldReevaluationView, RoutingPreviewView } from './routing.responses.js';
import type { HoldTriggers } from './hold-triggers.js';
import type { OrderRepository } from '../order/order.repository.js';
import { AppError } from '../domain/errors.js';

const OrderParams = z.object({ seller_id: z.string().min(1), order_id: z.string().trim().min(1).max(200) });
const hubCode = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only');
export const AssignHubBody = z.object({ hub_code: hubCode }).strict();
export const ReassignHubBody = z.object({ hub_code: hubCode, reason: z.string().trim().min(1).max(500) }).strict();
/** One held order, or every held order of the seller said explicitly (an empty body is a mistake, not "all"). */
export const ReevaluateHoldsBody = z
  .object({
    order_id: z.string().trim().min(1).max(200).optional(),
    all: z.literal(true).optional().meta({ description: 'Every held order of the seller, oldest first' }),
  })
  .strict()
  .refine((b) => (b.order_id === undefined) !== (b.all === undefined), { path: ['order_id'], message: 'give order_id, or all: true' });

/** Approval, hub assignment and the routing dry run, on the public and internal seller groups. */
export function registerHubRoutingRoutes(groups: { seller: SellerRoutes }, routing: HubRoutingService, holds: HoldTriggers, orders: OrderRepository): void {
  groups.seller.add(
    {
      method: 'post',
      path: '/orders/approve-on-hold',
      operationId: 'reevaluateHeldOrders',
      response: dataOf(HoldReevaluationView),
      summary: "Re-evaluate the seller's held orders now (or one, with order_id): oldest first, routed and approved where stock, hub and rules allow",
      tag: 'hub routing',
      status: 202,
      scope: 'orders:write',
      body: ReevaluateHoldsBody,
      example: { all: true },
    },
    async ({ body, caller }) => {
      const scope = caller.scope!;
      let orderId: string | null = null;
      if (body.order_id) {
        const order = (await orders.findById(scope, body.order_id)) ?? (await orders.findBySellerOrderId(scope, body.order_id));
        if (!order) throw AppError.notFound('order', body.order_id);
        orderId = order.id;
      }
      await holds.seller(scope, 'manual', orderId ?? undefined);
      return { status: 202, body: { data: { queued: true, order_id: orderId } } };
    },
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/:order_id/approve',
      operationId: 'approveOrder',
      response: dataOf(OrderView),
      summary: 'Approve a pending or on-hold order (stock holds are routed again)',
      tag: 'orders',
      params: OrderParams,
      body: z.object({}).strict().optional(),
      errors: { 409: 'invalid_transition or order_in_progress' },
    },
    async ({ params, caller }) => ({ body: { data: toOrderView(await routing.approve(caller.scope!, params.order_id, caller.actor)) } }),
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/:order_id/assign-hub',
      operationId: 'assignOrderHub',
      response: dataOf(OrderView),
      summary: 'Route a pending or held order to this hub (every line reserved there, or 409 with nothing changed)',
      tag: 'hub routing',
      params: OrderParams,
      body: AssignHubBody,
      errors: { 409: 'insufficient_stock at that hub, order_in_progress, or edit_not_allowed in this status' },
    },
    async ({ params, body, caller }) => ({ body: { data: toOrderView(await routing.assignHub(caller.scope!, params.order_id, body.hub_code, caller.actor)) } }),
  );

  groups.seller.add(
    {
      method: 'post',
      path: '/orders/:order_id/reassign-hub',
      operationId: 'reassignOrderHub',
      response: dataOf(OrderView),
      summary: "Move an approved order's reservation to another hub, atomically or not at all",
      tag: 'hub routing',
      params: OrderParams,
      body: ReassignHubBody,
      errors: { 409: 'insufficient_stock at the new hub, already there, order_in_progress, or edit_not_allowed' },
    },
    async ({ params, body, caller }) => ({
      body: { data: toOrderView(await routing.reassignHub(caller.scope!, params.order_id, body.hub_code, body.reason, caller.actor)) },
    }),
  );

  for (const method of ['get', 'post'] as const) {
    groups.seller.add(
      {
        method,
        path: '/orders/:order_id/routing-preview',
        // Two methods, one answer: POST for clients that cannot send a GET through their proxy.
        operationId: method === 'get' ? 'getRoutingPreview' : 'postRoutingPreview',
        response: dataOf(RoutingPreviewView),
        summary: 'Dry run: the routing decision now, every candidate with its score and why, reserving nothing',
        tag: 'hub routing',
        params: OrderParams,
      },
      async ({ params, caller }) => ({ body: { data: await routing.preview(caller.scope!, params.order_id) } }),
    );
  }
}
