import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import type { DashboardService } from './dashboard.service.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { TimelineEntryView } from '../order/order.responses.js';
import { DashboardView } from './dashboard.responses.js';

/** The order timeline as the order domain renders it (OrderService.timeline + its view). */
export type TimelineReader = (scope: SellerScope, orderId: string) => Promise<Record<string, unknown>[]>;

const DashboardQuery = z
  .object({
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    /** Overrides the configured ship-by SLA for this view ("late against 24 hours"). */
    sla_hours: z.coerce.number().min(0).max(24 * 90).optional(),
  })
  .strict();

const TimelineParams = z.object({ seller_id: z.string().min(1), order_id: z.string().min(1).max(100) });

/** Aggregator routes: seller-key authenticated and tenant-scoped exactly like the public API. */
export function registerAggregatorRoutes(aggregator: RouteGroup, dashboards: DashboardService, timeline: TimelineReader): void {
  aggregator.add(
    {
      method: 'get',
      path: '/dashboard',
      operationId: 'getDashboard',
      response: dataOf(DashboardView),
      summary: 'Order counts by status, hub, sales channel and hold reason, and late orders, for orders created in [from, to]',
      tag: 'aggregator',
      query: DashboardQuery,
    },
    async ({ query, caller }) => ({ body: { data: await dashboards.dashboard(caller.scope!, query) } }),
  );

  aggregator.add(
    {
      method: 'get',
      path: '/orders/:order_id/timeline',
      operationId: 'getDashboardOrderTimeline',
      summary: "The order's timeline, oldest first",
      tag: 'aggregator',
      params: TimelineParams,
      response: dataOf(z.array(TimelineEntryView)),
    },
    async ({ params, caller }) => ({ body: { data: await timeline(caller.scope!, params.order_id) } }),
  );
}
