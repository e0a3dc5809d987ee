import type { SellerScope } from '../domain/tenant-scope.js';
import { toTimelineView } from '../order/order.controller.js';
import type { OrderModule } from '../order/order.module.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { registerAggregatorRoutes } from './aggregator.controller.js';
import { DashboardRepository } from './dashboard.repository.js';
import { DashboardService } from './dashboard.service.js';

/** Read-only dashboards for sellers (counts by status, hub, channel; late orders; timelines). */
export interface AggregatorModule extends DomainModule {
  dashboards: DashboardService;
}

export function buildAggregatorModule(platform: Platform, deps: { orders: OrderModule }): AggregatorModule {
  const dashboards = new DashboardService(new DashboardRepository(platform.mongo.db), { shipBySlaHours: platform.config.order.ship_by_sla_hours });
  const timeline = async (scope: SellerScope, orderId: string) => (await deps.orders.service.timeline(scope, orderId)).map(toTimelineView);
  return {
    name: 'aggregator',
    dashboards,
    routes: (groups) => registerAggregatorRoutes(groups.aggregator, dashboards, timeline),
  };
}
