import { WebhookClient } from '../../external-service/webhook/webhook.client.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { OrderModule } from '../order/order.module.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import { SecretBox } from '../platform/secret-box.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { WEBHOOK_DELIVERY_INDEXES, WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import { WEBHOOK_ENDPOINT_INDEXES, WebhookEndpointRepository } from './webhook-endpoint.repository.js';
import { registerWebhookRoutes } from './webhook.controller.js';
import { WebhookDispatcher } from './webhook.dispatcher.js';
import { WebhookService } from './webhook.service.js';

/** Seller webhooks: endpoints (public API), deliveries recorded from the order-updates path, the dispatcher. */
export interface WebhookModule extends DomainModule {
  service: WebhookService;
  dispatcher: WebhookDispatcher;
}

/** Every tenant is visited this often (other passes visit only tenants this process recorded deliveries for). */
const FULL_PASS_EVERY_MS = 30_000;

export function buildWebhookModule(platform: Platform, deps: { tenancy: TenancyModule; orders: OrderModule }): WebhookModule {
  const { config, logger } = platform;
  const cfg = config.webhooks;
  const db = platform.mongo.db;
  const endpoints = new WebhookEndpointRepository(db);
  const deliveries = new WebhookDeliveryRepository(db);
  const client = new WebhookClient({ timeout_ms: cfg.timeout_ms, allow_http: cfg.allow_http, allow_loopback: cfg.allow_loopback, allow_private: cfg.allow_private });
  const box = new SecretBox(cfg.secrets_key);
  const dispatcher = new WebhookDispatcher(endpoints, deliveries, client, box, platform.eventStream, platform.events, logger, {
    batchSize: cfg.batch_size,
    leaseMs: cfg.lease_ms,
    maxAttempts: cfg.max_attempts,
    retryWindowMs: cfg.retry_window_ms,
    baseDelayMs: cfg.retry_base_delay_ms,
    maxDelayMs: cfg.retry_max_delay_ms,
    disableAfterFailures: cfg.disable_after_failures,
    recheckMs: cfg.dispatch_interval_ms,
  });
  const service = new WebhookService(endpoints, deliveries, dispatcher, client, box, { maxEndpointsPerSeller: cfg.max_endpoints_per_seller });

  // Recorded on the order-updates path (a Mongo write per matching endpoint); sent by the dispatcher, never there.
  deps.orders.updates.onEvent((event) => dispatcher.enqueue(event));

  let lastFullPass = 0;
  const dispatch = periodicTask(
    'webhook-dispatcher',
    cfg.dispatch_interval_ms,
    async () => {
      const full = Date.now() - lastFullPass >= FULL_PASS_EVERY_MS;
      if (full) lastFullPass = Date.now();
      const tenants = full ? await deps.tenancy.tenants.listTenantIds() : await dispatcher.tenantsToVisit();
      for (const tenantId of tenants) await dispatcher.dispatchDue(tenantScope(tenantId));
    },
    logger,
  );
  return {
    name: 'webhooks',
    service,
    dispatcher,
    indexes: { ...WEBHOOK_ENDPOINT_INDEXES, ...WEBHOOK_DELIVERY_INDEXES },
    routes: (groups) => registerWebhookRoutes(groups, service),
    background: [dispatch],
  };
}
