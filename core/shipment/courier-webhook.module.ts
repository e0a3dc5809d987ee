import type { Middleware } from 'koa';
import type { Platform } from '../platform/platform.js';
import { parseRawJson } from '../../router/middleware/json-body.js';
import type { RouteGroup } from '../../router/route-group.js';
import { AuditLog } from '../audit/audit-log.js';
import type { IndexPlan } from '../platform/mongo.js';
import { SecretBox } from '../platform/secret-box.js';
import { registerCourierIntegrationRoutes } from './courier-integration.controller.js';
import { COURIER_INTEGRATION_INDEXES, CourierIntegrationRepository } from './courier-integration.repository.js';
import { CourierIntegrationService } from './courier-integration.service.js';
import { courierWebhookAuth } from './courier-webhook.auth.js';
import type { ScanWindow } from './courier-webhook.controller.js';
import type { ShipmentRepository } from './shipment.repository.js';

/** The courier webhook's credentials: per-tenant integrations, their routes and the verifying middleware. */
export function buildCourierWebhookAuth(
  platform: Platform,
  shipments: ShipmentRepository,
): { indexes: IndexPlan; middleware: Middleware[]; window: ScanWindow; integrations: CourierIntegrationService; registerRoutes(internal: RouteGroup): void } {
  const { config } = platform;
  const integrations = new CourierIntegrationService(
    new CourierIntegrationRepository(platform.mongo.db),
    new SecretBox(config.courier.secrets_key),
    new AuditLog(platform.mongo.db, platform.logger),
  );
  const legacy = config.courier.legacy_signature === 'on' || (config.courier.legacy_signature === 'auto' && config.service.env !== 'production');
  return {
    indexes: COURIER_INTEGRATION_INDEXES,
    integrations,
    middleware: [
      courierWebhookAuth({
        shipments,
        integrations,
        redis: platform.redis,
        config: { tolerance_s: config.courier.tolerance_s, legacy_secret: config.courier.webhook_secret, legacy_enabled: legacy },
      }),
      parseRawJson(config.server.json_max_depth),
    ],
    window: { future_s: config.courier.tolerance_s, max_age_hours: config.courier.max_scan_age_hours },
    registerRoutes: (internal) => registerCourierIntegrationRoutes(internal, integrations),
  };
}
