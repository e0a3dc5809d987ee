import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import { ORDER_STATUSES } from '../domain/order.js';

/** The seller dashboard as the API answers it (`DashboardService.dashboard`), for the OpenAPI documents. */

const stageCounts = z.object({ approve: z.number().int(), ship: z.number().int(), deliver: z.number().int() }).strict();
const slaPair = z.object({ at_risk: stageCounts, breached: stageCounts }).strict();
const partStageCounts = z.object({ ship: z.number().int(), deliver: z.number().int() }).strict();
const partSlaPair = z.object({ at_risk: partStageCounts, breached: partStageCounts }).strict();

const counts = (keys: string) => z.record(z.string(), z.number().int()).meta({ description: `Orders by ${keys}` });

export const DashboardView = z
  .object({
    range: z.object({ from: Timestamp, to: Timestamp }).strict(),
    total: z.number().int(),
    by_status: z.object(Object.fromEntries(ORDER_STATUSES.map((s) => [s, z.number().int()]))).strict().meta({ description: 'Every status, zero or not' }),
    by_hub: counts('hub code ("unassigned" without a hub)'),
    by_sales_channel: counts('sales channel ("direct" without one)'),
    on_hold_by_reason: counts('hold reason'),
    late: z.object({ count: z.number().int(), ship_by_sla_hours: z.number(), rule: z.string() }).strict(),
    rule_firings: counts('rule name (firings recorded in the range)'),
    sla: z
      .object({
        at_risk: stageCounts,
        breached: stageCounts,
        by_hub: z.record(z.string(), slaPair),
        by_sales_channel: z.record(z.string(), slaPair),
        parts: z
          .object({ at_risk: partStageCounts, breached: partStageCounts, by_hub: z.record(z.string(), partSlaPair) })
          .strict()
          .meta({ description: "Split orders' parts flagged at risk / breached (ship and deliver, once per part and stage), by the part's hub" }),
      })
      .strict()
      .meta({ description: 'Orders flagged sla_at_risk / sla_breached per stage (once per order and stage), by hub and sales channel' }),
    fulfilments: z
      .object({
        split_orders: z.number().int(),
        parts: z.number().int(),
        by_hub: z.record(z.string(), z.number().int()),
        by_status: z.record(z.string(), z.number().int()),
      })
      .strict()
      .meta({ description: 'Parts of routed orders (docs/adr/0020) by hub and status: one per single-hub order, one per part of a split order' }),
  })
  .strict()
  .meta({ id: 'Dashboard' });
