import type { Db } from 'mongodb';
import type { RouteGroups } from '../../router/app.js';
import { registerAggregatorRoutes, type TimelineReader } from './aggregator.controller.js';
import { DashboardRepository } from './dashboard.repository.js';
import { DashboardService } from './dashboard.service.js';

/**
 * Ship-by SLA when the config names none: two days from order creation. (configs/ has no key
 * for it yet; `order.ship_by_sla_hours` would be its place.)
 */
export const DEFAULT_SHIP_BY_SLA_HOURS = 48;

export interface AggregatorModule {
  dashboards: DashboardService;
  registerRoutes(groups: RouteGroups): void;
}

export function buildAggregatorModule(db: Db, timeline: TimelineReader, options: { shipBySlaHours?: number } = {}): AggregatorModule {
  const dashboards = new DashboardService(new DashboardRepository(db), { shipBySlaHours: options.shipBySlaHours ?? DEFAULT_SHIP_BY_SLA_HOURS });
  return {
    dashboards,
    registerRoutes: (groups) => registerAggregatorRoutes(groups.aggregator, dashboards, timeline),
  };
}
