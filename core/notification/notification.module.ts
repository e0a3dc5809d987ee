import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { notificationChannels } from './notification.adapters.js';
import { registerNotificationRoutes } from './notification.controller.js';
import { NOTIFICATION_TEMPLATE_INDEXES, NotificationTemplateRepository } from './notification-template.repository.js';
import { NotificationTemplateService } from './notification-template.service.js';
import { NOTIFICATION_INDEXES, NotificationRepository } from './notification.repository.js';
import { NotificationService } from './notification.service.js';

/**
 * Customer notifications: the channels (SMTP e-mail, SMS and push through HTTP providers, or
 * logged without one), per-tenant templates, and the records of what was sent. The order module
 * runs `service.deliver` as the `email`, `sms` and `push` effects of its events (core/effects).
 */
export interface NotificationModule extends DomainModule {
  service: NotificationService;
}

export function buildNotificationModule(platform: Platform, deps: { tenancy: TenancyModule }): NotificationModule {
  const { config, logger, telemetry } = platform;
  const db = platform.mongo.db;
  const records = new NotificationRepository(db);
  const templateRepo = new NotificationTemplateRepository(db);
  const templates = new NotificationTemplateService(templateRepo);
  const service = new NotificationService(records, templates, notificationChannels(config.notifications, logger), logger, telemetry);
  return {
    name: 'notifications',
    service,
    indexes: { ...NOTIFICATION_INDEXES, ...NOTIFICATION_TEMPLATE_INDEXES },
    routes: (groups) => registerNotificationRoutes(groups.internal, templates, deps.tenancy.tenants),
  };
}
