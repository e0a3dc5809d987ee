import type { Db } from 'mongodb';
import type { RouteGroups } from '../../router/app.js';
import { registerAggregatorRoutes, type TimelineReader } from './aggregator.controller.js';
import { DashboardRepository } from './dashboard.repository.js';
import { DashboardService } from './dashboard.service.js';

export interface AggregatorModule {
  dashboards: DashboardService;
  registerRoutes(groups: RouteGroups): void;
}

export function buildAggregatorModule(db: Db, timeline: TimelineReader, options: { shipBySlaHours: number }): AggregatorModule {
  const dashboards = new DashboardService(new DashboardRepository(db), { shipBySlaHours: options.shipBySlaHours });
  return {
    dashboards,
    registerRoutes: (groups) => registerAggregatorRoutes(groups.aggregator, dashboards, timeline),
  };
}
