import { randomBytes } from 'node:crypto';
import type { WebhookClient } from '../../external-service/webhook/webhook.client.js';
import { AppError } from '../domain/errors.js';
import { tenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { SecretBox } from '../platform/secret-box.js';
import type { WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import type { EndpointChanges, WebhookEndpointRepository } from './webhook-endpoint.repository.js';
import type { WebhookDispatcher } from './webhook.dispatcher.js';
import type { DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookScope } from './webhook.types.js';

export interface EndpointInput {
  url: string;
  description?: string | null;
  /** Omitted, null or empty: every event. */
  event_types?: string[] | null;
}

/** An endpoint with its signing secret: answered once, at creation and on rotation. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/**
 * A seller's webhook endpoints: registration (the URL checked against the SSRF guard), the
 * signing secret (shown once, sealed at rest), rotation with a grace period, re-enabling, the
 * deliveries and attempts of an endpoint, and replays of parked or failed deliveries.
 */
export class WebhookService {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly client: WebhookClient,
    private readonly box: SecretBox,
    private readonly options: { maxEndpointsPerSeller: number },
  ) {}

  async create(scope: WebhookScope & { sellerId: string }, input: EndpointInput): Promise<EndpointWithSecret> {
    await this.client.checkUrl(input.url);
    const tenant = tenantScope(scope.tenantId);
    if ((await this.endpoints.countForSeller(tenant, scope.sellerId)) >= this.options.maxEndpointsPerSeller) {
      throw new AppError('conflict', `a seller may have at most ${this.options.maxEndpointsPerSeller} webhook endpoints`, { limit: this.options.maxEndpointsPerSeller });
    }
    const secret = newSecret();
    const now = new Date();
    const endpoint: WebhookEndpoint = {
      id: newId('whe'),
      tenant_id: scope.tenantId,
      seller_id: scope.sellerId,
      url: input.url,
      description: input.description ?? null,
      event_types: eventTypes(input.event_types),
      status: 'enabled',
      disabled_reason: null,
      disabled_at: null,
      secret_sealed: this.box.seal(secret),
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      consecutive_failures: 0,
      created_at: now,
      updated_at: now,
    };
    await this.endpoints.insert(tenant, endpoint);
    this.dispatcher.forget(scope.tenantId, scope.sellerId);
    return { endpoint, secret };
  }

  list(scope: WebhookScope): Promise<WebhookEndpoint[]> {
    return this.endpoints.list(scope);
  }

  async get(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.find(scope, id);
    if (!endpoint) throw AppError.notFound('webhook_endpoint', id);
    return endpoint;
  }

  async update(scope: WebhookScope, id: string, input: Partial<EndpointInput>): Promise<WebhookEndpoint> {
    await this.get(scope, id);
    if (input.url !== undefined) await this.client.checkUrl(input.url);
    const changes: EndpointChanges = {};
    if (input.url !== undefined) changes.url = input.url;
    if (input.description !== undefined) changes.description = input.description;
    if (input.event_types !== undefined) changes.event_types = eventTypes(input.event_types);
    const endpoint = await this.endpoints.update(scope, id, changes);
    if (!endpoint) throw AppError.notFound('webhook_endpoint', id);
    this.dispatcher.forget(endpoint.tenant_id, endpoint.seller_id);
    return endpoint;
  }

  /** Deletes an endpoint with its deliveries and attempts: nothing more is sent to it. */
  async remove(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(scope, id);
    if (!(await this.endpoints.remove(scope, id))) throw AppError.notFound('webhook_endpoint', id);
    await this.deliveries.removeForEndpoint(tenantScope(scope.tenantId), id);
    this.dispatcher.forget(endpoint.tenant_id, endpoint.seller_id);
    return endpoint;
  }

  /** A new signing secret; the old one keeps signing too (both signatures sent) for `graceSeconds`. */
  async rotateSecret(scope: WebhookScope, id: string, graceSeconds: number): Promise<EndpointWithSecret> {
    const current = await this.get(scope, id);
    const secret = newSecret();
    const endpoint = await this.endpoints.update(scope, id, {
      secret_sealed: this.box.seal(secret),
      previous_secret_sealed: graceSeconds > 0 ? current.secret_sealed : null,
      previous_secret_expires_at: graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null,
    });
    if (!endpoint) throw AppError.notFound('webhook_endpoint', id);
    return { endpoint, secret };
  }

  /** Enables a disabled endpoint (its failure streak starts over); what was parked meanwhile is replayed only on request. */
  async enable(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    await this.get(scope, id);
    const endpoint = await this.endpoints.enable(scope, id);
    if (!endpoint) throw AppError.notFound('webhook_endpoint', id);
    this.dispatcher.forget(endpoint.tenant_id, endpoint.seller_id);
    return endpoint;
  }

  async deliveriesOf(scope: WebhookScope, id: string, filter: { status?: DeliveryStatus; order_id?: string }, limit: number): Promise<WebhookDelivery[]> {
    await this.get(scope, id);
    return this.deliveries.list(tenantScope(scope.tenantId), id, filter, limit);
  }

  async attemptsOf(scope: WebhookScope, id: string, filter: { delivery_id?: string }, limit: number): Promise<WebhookAttempt[]> {
    await this.get(scope, id);
    return this.deliveries.listAttempts(tenantScope(scope.tenantId), id, filter, limit);
  }

  /** Sends a parked or failed delivery again (due now, a fresh set of attempts); a delivered one is refused. */
  async replay(scope: WebhookScope, endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.enabled(scope, endpointId);
    const tenant = tenantScope(scope.tenantId);
    const delivery = await this.deliveries.find(tenant, endpointId, deliveryId);
    if (!delivery) throw AppError.notFound('webhook_delivery', deliveryId);
    if (!(await this.deliveries.replayOne(tenant, endpointId, deliveryId, new Date()))) {
      throw new AppError('conflict', `delivery ${deliveryId} is ${delivery.status}: only a parked or failed delivery is replayed`, { delivery_id: deliveryId, status: delivery.status });
    }
    await this.dispatcher.wake(scope.tenantId);
    return (await this.deliveries.find(tenant, endpointId, deliveryId)) ?? delivery;
  }

  /** Replays every parked or failed delivery of an endpoint whose event occurred in [since, until). */
  async replayRange(scope: WebhookScope, endpointId: string, since: Date, until: Date): Promise<number> {
    if (!(since < until)) throw AppError.validation([{ field: 'body.until', message: 'must be after since' }]);
    await this.enabled(scope, endpointId);
    const replayed = await this.deliveries.replayRange(tenantScope(scope.tenantId), endpointId, since, until, new Date());
    if (replayed > 0) await this.dispatcher.wake(scope.tenantId);
    return replayed;
  }

  private async enabled(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(scope, id);
    if (endpoint.status !== 'enabled') throw new AppError('conflict', `endpoint ${id} is disabled: enable it before replaying`, { endpoint_id: id, status: endpoint.status });
    return endpoint;
  }
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes, base64. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function eventTypes(types: string[] | null | undefined): string[] | null {
  return types && types.length > 0 ? [...new Set(types)].sort() : null;
}
