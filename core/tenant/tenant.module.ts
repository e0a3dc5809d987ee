import { HUB_INDEXES, HubRepository } from '../hub/hub.repository.js';
import { registerHubRoutes } from '../hub/hub.controller.js';
import { HubService } from '../hub/hub.service.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { buildSecurityModule, type SecurityModule } from './security.module.js';
import { registerTenantRoutes } from './tenant.controller.js';
import { TENANT_INDEXES, TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

/**
 * Tenants, their sellers, settings and hubs, and who may act for them (keys, service tokens,
 * JWTs, rate limits, the audit log): what every other module is scoped by.
 */
export interface TenancyModule extends DomainModule {
  tenants: TenantService;
  hubs: HubService;
  security: SecurityModule;
}

export async function buildTenancyModule(platform: Platform): Promise<TenancyModule> {
  const db = platform.mongo.db;
  const security = await buildSecurityModule(platform);
  const tenants = new TenantService(new TenantRepository(db), platform.config, security.keys);
  const hubs = new HubService(new HubRepository(db));
  return {
    name: 'tenancy',
    tenants,
    hubs,
    security,
    indexes: { ...TENANT_INDEXES, ...HUB_INDEXES, ...security.indexes },
    routes(groups) {
      registerTenantRoutes(groups.internal, tenants);
      security.registerRoutes(groups, tenants);
      registerHubRoutes(groups, hubs, tenants);
    },
  };
}
