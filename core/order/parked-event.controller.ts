import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { OrderEventRelay } from './order-event.relay.js';
import type { ParkedEventRepository } from './parked-event.repository.js';
import { ParkedEventView, ReplayedEventView, toParkedEventView } from './parked-event.responses.js';

const TenantParams = z.object({ tenant_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a tenant id') });
const EventParams = TenantParams.extend({ event_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'not an event id') });
const ParkedQuery = z.object({
  status: z.enum(['failing', 'parked', 'replayed']).optional(),
  order_id: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Outgoing events the topic refused for good, for operators, and replay of a parked one. */
export function registerParkedEventRoutes(internal: RouteGroup, relay: OrderEventRelay, records: ParkedEventRepository): void {
  internal.add(
    {
      method: 'get',
      path: '/tenants/:tenant_id/parked-events',
      operationId: 'listParkedEvents',
      response: z.object({ data: z.array(ParkedEventView) }).strict(),
      summary: 'Outgoing events refused for good: failing (still retried) or parked (out of the outbox after events.max_publish_attempts)',
      tag: 'events',
      scope: 'events:read',
      params: TenantParams,
      query: ParkedQuery,
    },
    async ({ params, query }) => ({
      body: { data: (await records.list(tenantScope(params.tenant_id), { status: query.status, order_id: query.order_id }, query.limit)).map(toParkedEventView) },
    }),
  );
  internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/parked-events/:event_id/replay',
      operationId: 'replayParkedEvent',
      response: dataOf(ReplayedEventView),
      summary: "Run a parked event's follow-ups and publish it again now; answers the outcome (refused again: it stays parked with the new reason)",
      tag: 'events',
      params: EventParams,
      errors: { 409: 'conflict: the event is not parked (still failing, or replayed already)' },
    },
    async ({ params }) => {
      const { outcome, record } = await relay.replay(tenantScope(params.tenant_id), params.event_id);
      return { body: { data: { ...toParkedEventView(record), outcome } } };
    },
  );
}
