import type { RouteGroups } from '../router/app.js';
import { ensureIndexes, type IndexPlan } from '../core/platform/mongo.js';
import type { ListenerRegistration } from '../core/workers/runtime/server.js';
import { TenantRepository, TENANT_INDEXES } from '../core/tenant/tenant.repository.js';
import { TenantService } from '../core/tenant/tenant.service.js';
import { registerTenantRoutes } from '../core/tenant/tenant.controller.js';
import { HubRepository, HUB_INDEXES } from '../core/hub/hub.repository.js';
import { HubService } from '../core/hub/hub.service.js';
import { registerHubRoutes } from '../core/hub/hub.controller.js';
import type { Platform } from './platform.js';

/** Something a worker process runs besides its listeners (outbox sweeper, dev WMS simulator). */
export interface BackgroundTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The wiring of one process: repositories into services into transports, by hand, in one place
 * (STYLE.md 8). Each domain adds its indexes, routes, listeners and background tasks here.
 */
export interface Container {
  platform: Platform;
  tenants: TenantService;
  hubs: HubService;
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups): void;
  listeners(): ListenerRegistration[];
  background(): BackgroundTask[];
}

export async function buildContainer(platform: Platform): Promise<Container> {
  const { config, mongo } = platform;
  const db = mongo.db;

  const tenants = new TenantService(new TenantRepository(db), config);
  const hubs = new HubService(new HubRepository(db));

  // --- orders (issue 3): build here ---
  // --- stock & routing (issue 4): build here ---
  // --- fulfilment (issue 5): build here ---
  // --- aggregator & bulk (issue 6): build here ---

  const indexes: IndexPlan = {
    ...TENANT_INDEXES,
    ...HUB_INDEXES,
    // --- indexes: each domain adds its IndexPlan here ---
  };
  await ensureIndexes(db, indexes);

  return {
    platform,
    tenants,
    hubs,
    indexes,
    registerRoutes(groups) {
      registerTenantRoutes(groups.internal, tenants);
      registerHubRoutes(groups, hubs, tenants);
      // --- orders (issue 3): routes ---
      // --- stock & routing (issue 4): routes ---
      // --- fulfilment (issue 5): routes ---
      // --- aggregator & bulk (issue 6): routes ---
    },
    listeners() {
      return [
        // --- orders (issue 3): listeners ---
        // --- stock & routing (issue 4): listeners ---
        // --- fulfilment (issue 5): listeners ---
        // --- aggregator & bulk (issue 6): listeners ---
      ];
    },
    background() {
      return [
        // --- orders (issue 3): background tasks ---
        // --- fulfilment (issue 5): background tasks ---
      ];
    },
  };
}
