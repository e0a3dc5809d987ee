import { z } from 'zod';
import type { RouteGroups } from '../../router/app.js';
import { dataOf, Timestamp } from '../../router/openapi/schemas.js';
import type { Caller } from '../../router/route-group.js';
import { IssuedWebhookEndpointView, WebhookAttemptView, WebhookDeliveryView, WebhookEndpointView, WebhookReplayView } from './webhook.responses.js';
import type { WebhookService } from './webhook.service.js';
import { toAttemptView, toDeliveryView, toEndpointView, type WebhookScope } from './webhook.types.js';

const TAG = 'webhooks';
const id = (what: string, prefix: string) => z.string().regex(new RegExp(`^${prefix}_[a-f0-9]{24}$`), `a ${what} id`);
const SellerParams = z.object({ seller_id: z.string().min(1) });
const EndpointParams = SellerParams.extend({ endpoint_id: id('webhook endpoint', 'whe') });
const DeliveryParams = EndpointParams.extend({ delivery_id: id('webhook delivery', 'whd') });

const EventType = z.string().regex(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+\.v[0-9]{1,3}$/, 'an event type such as order.created.v1');
const Url = z.string().trim().min(1).max(2048).meta({ description: 'https URL of a public host (checked at registration and at every send)' });
const Description = z.string().trim().max(500).nullable();
const EventTypes = z.array(EventType).max(100).nullable().meta({ description: 'Event types to receive; omitted, null or empty: every event' });

const EndpointBody = z.object({ url: Url, description: Description.optional(), event_types: EventTypes.optional() }).strict();
const UpdateBody = z
  .object({ url: Url.optional(), description: Description.optional(), event_types: EventTypes.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of url, description, event_types' });
const RotateBody = z.object({ grace_seconds: z.number().int().min(0).max(7 * 86400).default(0) }).strict();
const ReplayRangeBody = z.object({ since: Timestamp, until: Timestamp.optional().meta({ description: 'Default: now' }) }).strict();
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const DeliveryQuery = ListQuery.extend({ status: z.enum(['pending', 'sending', 'delivered', 'parked']).optional(), order_id: z.string().trim().min(1).max(200).optional() });
const AttemptQuery = ListQuery.extend({ delivery_id: id('webhook delivery', 'whd').optional() });

const READ = 'webhooks:read' as const;
const WRITE = 'webhooks:write' as const;

function scopeOf(caller: Caller): WebhookScope & { sellerId: string } {
  return { tenantId: caller.scope!.tenantId, sellerId: caller.scope!.sellerId };
}

/** A seller's webhook endpoints, their deliveries and attempts, and replays (public API and its internal twin). */
export function registerWebhookRoutes(groups: Pick<RouteGroups, 'seller'>, webhooks: WebhookService): void {
  const { seller } = groups;
  seller.add(
    {
      method: 'post', path: '/webhooks', operationId: 'createWebhookEndpoint', response: dataOf(IssuedWebhookEndpointView), status: 201,
      summary: 'Register a webhook endpoint; its signing secret is answered once', tag: TAG, scope: WRITE, params: SellerParams, body: EndpointBody,
      example: { url: 'https://hooks.example.com/oms', description: 'order feed', event_types: ['order.created.v1', 'order.status_changed.v1'] },
      errors: { 409: 'conflict: the seller has the most endpoints allowed' },
    },
    async ({ body, caller }) => {
      const { endpoint, secret } = await webhooks.create(scopeOf(caller), body);
      return { status: 201, body: { data: { ...toEndpointView(endpoint), secret } } };
    },
  );
  seller.add(
    { method: 'get', path: '/webhooks', operationId: 'listWebhookEndpoints', response: dataOf(z.array(WebhookEndpointView)), summary: "The seller's webhook endpoints (no secrets)", tag: TAG, scope: READ, params: SellerParams },
    async ({ caller }) => ({ body: { data: (await webhooks.list(scopeOf(caller))).map(toEndpointView) } }),
  );
  seller.add(
    { method: 'get', path: '/webhooks/:endpoint_id', operationId: 'getWebhookEndpoint', response: dataOf(WebhookEndpointView), summary: 'One webhook endpoint', tag: TAG, scope: READ, params: EndpointParams },
    async ({ params, caller }) => ({ body: { data: toEndpointView(await webhooks.get(scopeOf(caller), params.endpoint_id)) } }),
  );
  seller.add(
    { method: 'put', path: '/webhooks/:endpoint_id', operationId: 'updateWebhookEndpoint', response: dataOf(WebhookEndpointView), summary: "Change an endpoint's URL, description or event types", tag: TAG, scope: WRITE, params: EndpointParams, body: UpdateBody },
    async ({ params, body, caller }) => ({ body: { data: toEndpointView(await webhooks.update(scopeOf(caller), params.endpoint_id, body)) } }),
  );
  seller.add(
    { method: 'delete', path: '/webhooks/:endpoint_id', operationId: 'deleteWebhookEndpoint', response: dataOf(WebhookEndpointView), summary: 'Delete an endpoint with its deliveries and attempts', tag: TAG, scope: WRITE, params: EndpointParams },
    async ({ params, caller }) => ({ body: { data: toEndpointView(await webhooks.remove(scopeOf(caller), params.endpoint_id)) } }),
  );
  seller.add(
    {
      method: 'post', path: '/webhooks/:endpoint_id/rotate-secret', operationId: 'rotateWebhookSecret', response: dataOf(IssuedWebhookEndpointView),
      summary: 'A new signing secret, answered once; the old one also signs for grace_seconds (two signatures per call)', tag: TAG, scope: WRITE, params: EndpointParams, body: RotateBody,
    },
    async ({ params, body, caller }) => {
      const { endpoint, secret } = await webhooks.rotateSecret(scopeOf(caller), params.endpoint_id, body.grace_seconds);
      return { body: { data: { ...toEndpointView(endpoint), secret } } };
    },
  );
  seller.add(
    { method: 'post', path: '/webhooks/:endpoint_id/enable', operationId: 'enableWebhookEndpoint', response: dataOf(WebhookEndpointView), summary: 'Enable a disabled endpoint again (deliveries parked meanwhile are replayed on request)', tag: TAG, scope: WRITE, params: EndpointParams },
    async ({ params, caller }) => ({ body: { data: toEndpointView(await webhooks.enable(scopeOf(caller), params.endpoint_id)) } }),
  );
  seller.add(
    { method: 'get', path: '/webhooks/:endpoint_id/deliveries', operationId: 'listWebhookDeliveries', response: dataOf(z.array(WebhookDeliveryView)), summary: "An endpoint's deliveries, newest first", tag: TAG, scope: READ, params: EndpointParams, query: DeliveryQuery },
    async ({ params, query, caller }) => ({
      body: { data: (await webhooks.deliveriesOf(scopeOf(caller), params.endpoint_id, { status: query.status, order_id: query.order_id }, query.limit)).map(toDeliveryView) },
    }),
  );
  seller.add(
    { method: 'get', path: '/webhooks/:endpoint_id/attempts', operationId: 'listWebhookAttempts', response: dataOf(z.array(WebhookAttemptView)), summary: "An endpoint's delivery attempts, newest first (outcome, response code, latency)", tag: TAG, scope: READ, params: EndpointParams, query: AttemptQuery },
    async ({ params, query, caller }) => ({
      body: { data: (await webhooks.attemptsOf(scopeOf(caller), params.endpoint_id, { delivery_id: query.delivery_id }, query.limit)).map(toAttemptView) },
    }),
  );
  seller.add(
    {
      method: 'post', path: '/webhooks/:endpoint_id/deliveries/:delivery_id/replay', operationId: 'replayWebhookDelivery', response: dataOf(WebhookDeliveryView),
      summary: 'Send a parked or failed delivery again (due now, a fresh set of attempts)', tag: TAG, scope: WRITE, params: DeliveryParams,
      errors: { 409: 'conflict: the delivery is delivered or being sent, or the endpoint is disabled' },
    },
    async ({ params, caller }) => ({ body: { data: toDeliveryView(await webhooks.replay(scopeOf(caller), params.endpoint_id, params.delivery_id)) } }),
  );
  seller.add(
    {
      method: 'post', path: '/webhooks/:endpoint_id/replay', operationId: 'replayWebhookDeliveries', response: dataOf(WebhookReplayView),
      summary: 'Send again every parked or failed delivery whose event occurred in [since, until)', tag: TAG, scope: WRITE, params: EndpointParams, body: ReplayRangeBody,
      errors: { 409: 'conflict: the endpoint is disabled' },
    },
    async ({ params, body, caller }) => {
      const replayed = await webhooks.replayRange(scopeOf(caller), params.endpoint_id, new Date(body.since), body.until ? new Date(body.until) : new Date());
      return { body: { data: { replayed } } };
    },
  );
}
