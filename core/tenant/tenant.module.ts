import { HUB_INDEXES, HubRepository } from '../hub/hub.repository.js';
import { registerHubRoutes } from '../hub/hub.controller.js';
import { HubService } from '../hub/hub.service.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { registerTenantRoutes } from './tenant.controller.js';
import { TENANT_INDEXES, TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

/** Tenants, their sellers, settings and hubs: what every other module is scoped by. */
export interface TenancyModule extends DomainModule {
  tenants: TenantService;
  hubs: HubService;
}

export function buildTenancyModule(platform: Platform): TenancyModule {
  const db = platform.mongo.db;
  const tenants = new TenantService(new TenantRepository(db), platform.config);
  const hubs = new HubService(new HubRepository(db));
  return {
    name: 'tenancy',
    tenants,
    hubs,
    indexes: { ...TENANT_INDEXES, ...HUB_INDEXES },
    routes(groups) {
      registerTenantRoutes(groups.internal, tenants);
      registerHubRoutes(groups, hubs, tenants);
    },
  };
}
