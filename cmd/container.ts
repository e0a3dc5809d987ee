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
// aggregator & bulk (issue 6)
import { buildBulkModule, zodValidator } from '../core/bulk/bulk.module.js';
import { ServiceItemExecutor } from '../core/bulk/bulk-item.executor.js';
import { buildAggregatorModule } from '../core/aggregator/aggregator.module.js';
import { CreateOrderBody } from '../core/order/order.schemas.js';
import { toTimelineView } from '../core/order/order.controller.js';
import { buildFulfillmentModule } from '../core/fulfillment/fulfillment.module.js';
import { buildOrderModule } from '../core/order/order.module.js';
import { buildStockRoutingModule, type StockRoutingModule } from '../core/hub_routing/stock-routing.module.js';

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
  /** stock & routing (issue 4): stock, routing, approve-on-hold, check-stock. */
  stockRouting: StockRoutingModule;
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
  // The stock & routing anchor binds its implementation: orders.ports.bind({ stock, routing }).
  // Until then stock/routing calls fail as a retryable dependency_unavailable.
  const orders = buildOrderModule(platform, tenants);
  // --- stock & routing (issue 4): build here ---
  const stockRouting = buildStockRoutingModule(platform, { tenants, hubs, orders: orders.repository, relay: (order) => orders.relay.relayQuietly(order) });
  orders.ports.bind({ stock: stockRouting.stockPort, routing: stockRouting.routing });
  // --- fulfilment (issue 5): build here ---
  // Stock goes through the orders module's late-bound port, which the stock & routing anchor binds.
  const fulfilment = buildFulfillmentModule(platform, {
    orders: orders.repository,
    stock: orders.ports,
    tenantIds: () => tenants.listTenantIds(),
    relay: (order) => orders.relay.relayQuietly(order),
  });
  // --- aggregator & bulk (issue 6): build here ---
  const bulk = buildBulkModule(
    platform,
    new ServiceItemExecutor(orders.service, stockRouting.routing, (scope, id) => orders.repository.findById(scope, id)),
    zodValidator(CreateOrderBody),
  );
  const aggregator = buildAggregatorModule(db, async (scope, id) => (await orders.service.timeline(scope, id)).map(toTimelineView), {
    shipBySlaHours: config.order.ship_by_sla_hours,
  });

  const indexes: IndexPlan = {
    ...TENANT_INDEXES,
    ...HUB_INDEXES,
    // --- indexes: each domain adds its IndexPlan here ---
    ...stockRouting.indexes,
    ...bulk.indexes, // aggregator & bulk (issue 6)
    ...fulfilment.indexes,
    ...orders.indexes,
  };
  await ensureIndexes(db, indexes, { multikeyIndexes: mongo.multikeyIndexes });

  return {
    platform,
    tenants,
    hubs,
    stockRouting,
    indexes,
    registerRoutes(groups) {
      registerTenantRoutes(groups.internal, tenants);
      registerHubRoutes(groups, hubs, tenants);
      // --- orders (issue 3): routes ---
      orders.registerRoutes(groups);
      // --- stock & routing (issue 4): routes ---
      stockRouting.registerRoutes(groups);
      // --- fulfilment (issue 5): routes ---
      fulfilment.registerRoutes(groups);
      // --- aggregator & bulk (issue 6): routes ---
      bulk.registerRoutes(groups);
      aggregator.registerRoutes(groups);
    },
    listeners() {
      return [
        // --- orders (issue 3): listeners ---
        ...orders.listeners(),
        // --- stock & routing (issue 4): listeners ---
        ...stockRouting.listeners(),
        // --- fulfilment (issue 5): listeners ---
        ...fulfilment.listeners(),
        // --- aggregator & bulk (issue 6): listeners ---
        ...bulk.listeners(),
      ];
    },
    background() {
      return [
        // --- orders (issue 3): background tasks ---
        ...orders.background(),
        // --- stock & routing (issue 4): background tasks ---
        ...stockRouting.background(),
        // --- fulfilment (issue 5): background tasks ---
        ...fulfilment.background(),
      ];
    },
  };
}
