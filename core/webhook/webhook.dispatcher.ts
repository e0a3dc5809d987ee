import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookClient } from '../../external-service/webhook/webhook.client.js';
import type { OutboundEvent } from '../domain/events.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { backoffMs } from '../effects/effect.service.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { RedisEvents } from '../platform/redis-events.js';
import { ReadThroughCache } from '../platform/read-through-cache.js';
import type { EventPublisher } from '../platform/event-stream.js';
import type { SecretBox } from '../platform/secret-box.js';
import type { WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import type { WebhookEndpointRepository } from './webhook-endpoint.repository.js';
import { before, deliveryId, matches, WEBHOOK_ENDPOINT_DISABLED, type WebhookDelivery, type WebhookEndpoint } from './webhook.types.js';

export interface DispatchOptions {
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  retryWindowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  disableAfterFailures: number;
  /** How soon a delivery waiting behind an earlier event of its order is looked at again (at least). */
  recheckMs: number;
}

/**
 * How long the endpoints of a seller are kept for matching events: every order event would
 * otherwise cost a read. A change made through this process is seen at once; one made through
 * another process within this long (an endpoint registered a second ago) may miss that many events.
 */
const ENDPOINTS_TTL_MS = 2_000;

/**
 * Tenants whose deliveries were replayed, told to the dispatchers of every process (Redis pub/sub:
 * nothing is polled between replays). A process that was not listening finds them on its next
 * full pass (FULL_PASS_EVERY_MS in webhook.module.ts; a process's first pass is a full one).
 */
const WAKE_CHANNEL = 'webhooks:wake';

/**
 * Seller webhooks, from event to endpoint (docs/adr/0015). `enqueue` records one delivery per
 * matching endpoint (idempotent on endpoint and event) and returns: nothing is sent on the event's
 * path. The dispatcher's passes claim due deliveries (a conditional update: two dispatchers never
 * send the same one at once), at most one per endpoint and order at a time and earliest first, so
 * a later event of an order waits while an earlier one is pending; each attempt is recorded;
 * failures are retried with exponential backoff and full jitter until max_attempts or the retry
 * window, then parked. An endpoint whose attempts keep failing is disabled and its seller told.
 */
export class WebhookDispatcher {
  /** By `JSON.stringify([tenant, seller])`; the read is cached, so events arriving while it runs share it. */
  private readonly endpointCache = new ReadThroughCache<WebhookEndpoint[]>(
    (key) => {
      const [tenantId, sellerId] = JSON.parse(key) as [string, string];
      return this.endpoints.forSeller(tenantScope(tenantId), sellerId);
    },
    { ttlMs: ENDPOINTS_TTL_MS },
  );
  /** Tenants with deliveries recorded or pending in this process (and when last seen): the passes' short list. */
  private readonly busy = new Map<string, number>();
  /** The subscription to other processes' wake-ups, made on the first pass that needs it. */
  private listening: Promise<void> | null = null;

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly client: WebhookClient,
    private readonly box: SecretBox,
    private readonly events: EventPublisher,
    private readonly wakes: RedisEvents,
    private readonly logger: Logger,
    private readonly options: DispatchOptions,
  ) {}

  /** Records the deliveries of one event (one per matching endpoint of its seller); answers how many are new. */
  async enqueue(event: OutboundEvent): Promise<number> {
    const scope = tenantScope(event.tenant_id);
    const endpoints = (await this.endpointsOf(scope, event.seller_id)).filter((e) => matches(e, event.event));
    if (endpoints.length === 0) return 0;
    const now = new Date();
    const occurred = new Date(event.occurred_at);
    const sequence = (event as { sequence?: unknown }).sequence;
    const recorded = await Promise.all(
      endpoints.map((endpoint) => {
        const enabled = endpoint.status === 'enabled';
        return this.deliveries.record(scope, {
          id: deliveryId(endpoint.id, event.event_id),
          tenant_id: event.tenant_id,
          seller_id: event.seller_id,
          endpoint_id: endpoint.id,
          event_id: event.event_id,
          event_type: event.event,
          order_id: event.order_id,
          order_key: event.order_id ?? `event:${event.event_id}`,
          occurred_at: Number.isNaN(occurred.getTime()) ? now : occurred,
          sequence: typeof sequence === 'number' && Number.isFinite(sequence) ? sequence : null,
          event,
          // Recorded even while the endpoint is disabled, parked, so a replay after enabling it covers them.
          status: enabled ? 'pending' : 'parked',
          attempts: 0,
          next_attempt_at: enabled ? now : null,
          window_started_at: now,
          last_status_code: null,
          last_error: enabled ? null : 'endpoint disabled',
          delivered_at: null,
          created_at: now,
          updated_at: now,
        });
      }),
    );
    this.busy.set(event.tenant_id, Date.now());
    return recorded.filter(Boolean).length;
  }

  /** A seller's endpoints changed through this process: match the next event against the stored ones. */
  forget(tenantId: string, sellerId: string): void {
    this.endpointCache.delete(JSON.stringify([tenantId, sellerId]));
  }

  /**
   * Deliveries of a tenant were made due outside the event path (a replay, possibly by the `oms`
   * command in another process): every dispatcher's next pass visits the tenant.
   */
  async wake(tenantId: string): Promise<void> {
    this.busy.set(tenantId, Date.now());
    await this.wakes.publish(WAKE_CHANNEL, tenantId);
  }

  /** Tenants a pass visits besides a full pass's: those this process recorded deliveries for lately, and those woken. */
  async tenantsToVisit(): Promise<string[]> {
    this.listening ??= this.wakes.subscribe(WAKE_CHANNEL, (tenantId) => this.busy.set(tenantId, Date.now())).catch((err: unknown) => {
      this.listening = null; // tried again on the next pass; full passes cover the gap
      this.logger.warn({ err }, 'webhook wake-ups not subscribed');
    });
    await this.listening;
    return [...this.busy.keys()];
  }

  /** One pass over a tenant: sends what is due (one per endpoint and order, earliest first); answers how many were sent. */
  async dispatchDue(scope: TenantScope): Promise<number> {
    const started = Date.now();
    const now = new Date(started);
    const due = await this.deliveries.due(scope, now, this.options.batchSize);
    if (due.length === 0) {
      if (!(await this.deliveries.hasActive(scope)) && (this.busy.get(scope.tenantId) ?? 0) < started) this.busy.delete(scope.tenantId);
      return 0;
    }
    const heads = new Map<string, WebhookDelivery>();
    for (const d of due) {
      const key = `${d.endpoint_id}|${d.order_key}`;
      const head = heads.get(key);
      if (!head || before(d, head)) heads.set(key, d);
    }
    const endpoints = new Map<string, Promise<WebhookEndpoint | null>>();
    const endpointOf = (id: string) => {
      if (!endpoints.has(id)) endpoints.set(id, this.endpoints.find({ tenantId: scope.tenantId, sellerId: null }, id));
      return endpoints.get(id)!;
    };
    const sent = await Promise.all(
      [...heads.values()].map((d) =>
        this.attempt(scope, d, now, endpointOf).catch((err) => {
          this.logger.warn({ err, delivery_id: d.id }, 'webhook delivery pass failed; the next pass tries again');
          return false;
        }),
      ),
    );
    return sent.filter(Boolean).length;
  }

  private async attempt(scope: TenantScope, d: WebhookDelivery, now: Date, endpointOf: (id: string) => Promise<WebhookEndpoint | null>): Promise<boolean> {
    // In order per order: an earlier event of the same order still pending for this endpoint goes first.
    if (d.order_id !== null) {
      const blocker = await this.deliveries.earliestBlocker(scope, d);
      if (blocker) {
        // A blocker being sent now finishes within its timeout; one waiting for a retry, at its next attempt.
        const retryAt = blocker.status === 'pending' ? (blocker.next_attempt_at?.getTime() ?? 0) : 0;
        const until = Math.max(retryAt, now.getTime() + this.options.recheckMs);
        await this.deliveries.defer(scope, d.id, new Date(until));
        return false;
      }
    }
    if (!(await this.deliveries.claim(scope, d.id, now, this.options.leaseMs))) return false;
    const attempt = d.attempts + 1;
    const endpoint = await endpointOf(d.endpoint_id);
    if (!endpoint || endpoint.status !== 'enabled') {
      await this.deliveries.settle(scope, d.id, { status: 'parked', next_attempt_at: null, last_status_code: null, last_error: endpoint ? 'endpoint disabled' : 'endpoint deleted' });
      return false;
    }

    const body = JSON.stringify(d.event);
    const result = await this.client.post(endpoint.url, this.sign(endpoint, d.event_id, body, new Date()), body);
    await this.deliveries.addAttempt(scope, {
      id: newId('wha'),
      tenant_id: d.tenant_id,
      seller_id: d.seller_id,
      endpoint_id: d.endpoint_id,
      delivery_id: d.id,
      event_id: d.event_id,
      event_type: d.event_type,
      order_id: d.order_id,
      attempt,
      outcome: result.ok ? 'succeeded' : 'failed',
      status_code: result.status_code,
      latency_ms: result.latency_ms,
      error: result.error,
      at: new Date(),
    });

    if (result.ok) {
      await this.deliveries.settle(scope, d.id, { status: 'delivered', next_attempt_at: null, last_status_code: result.status_code, last_error: null, delivered_at: new Date() });
      await this.endpoints.recordSuccess(scope, endpoint.id);
      return true;
    }
    const delay = backoffMs(attempt, { baseDelayMs: this.options.baseDelayMs, maxDelayMs: this.options.maxDelayMs });
    const next = Date.now() + delay;
    const park = attempt >= this.options.maxAttempts || next > d.window_started_at.getTime() + this.options.retryWindowMs;
    this.logger.info({ delivery_id: d.id, endpoint_id: endpoint.id, attempt, parked: park, error: result.error }, 'webhook delivery failed');
    await this.deliveries.settle(scope, d.id, { status: park ? 'parked' : 'pending', next_attempt_at: park ? null : new Date(next), last_status_code: result.status_code, last_error: result.error });
    const streak = await this.endpoints.recordFailure(scope, endpoint.id);
    if (streak !== null && streak >= this.options.disableAfterFailures) await this.disable(scope, endpoint, `${streak} consecutive failed deliveries; last: ${result.error ?? 'unknown'}`);
    return false;
  }

  /** Standard Webhooks headers; while a rotation's grace lasts, signed with the old secret too (receivers accept either). */
  private sign(endpoint: WebhookEndpoint, id: string, body: string, at: Date): Record<string, string> {
    const secrets = [endpoint.secret_sealed];
    if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > at) secrets.push(endpoint.previous_secret_sealed);
    const signature = secrets.map((sealed) => new Webhook(this.box.open(sealed)).sign(id, at, body)).join(' ');
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
  }

  /**
   * Disables an endpoint that keeps failing (once: a conditional update), parks what waited for
   * it, and tells its seller with `webhook.endpoint_disabled.v1` on the event path, which pushes
   * it to the seller's Pusher channel and to the seller's other endpoints.
   */
  private async disable(scope: TenantScope, endpoint: WebhookEndpoint, reason: string): Promise<void> {
    const disabled = await this.endpoints.disable(scope, endpoint.id, reason);
    if (!disabled) return;
    this.forget(scope.tenantId, endpoint.seller_id);
    const parked = await this.deliveries.parkActive(scope, endpoint.id, 'endpoint disabled');
    this.logger.warn({ endpoint_id: endpoint.id, tenant_id: scope.tenantId, reason, parked }, 'webhook endpoint disabled');
    const event: OutboundEvent = {
      event_id: randomUUID(),
      event: WEBHOOK_ENDPOINT_DISABLED,
      occurred_at: new Date().toISOString(),
      tenant_id: scope.tenantId,
      seller_id: endpoint.seller_id,
      order_id: null,
      data: { endpoint_id: endpoint.id, url: endpoint.url, reason, disabled_at: disabled.disabled_at?.toISOString() ?? null, parked_deliveries: parked },
    };
    const [sent] = await this.events.publish([event]).catch((err: unknown) => [{ ok: false as const, reason: String(err) }]);
    if (sent && !sent.ok) this.logger.error({ endpoint_id: endpoint.id, reason: sent.reason }, 'endpoint-disabled event not sent');
  }

  private async endpointsOf(scope: TenantScope, sellerId: string): Promise<WebhookEndpoint[]> {
    return this.endpointCache.get(JSON.stringify([scope.tenantId, sellerId]));
  }
}
