import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { HubService } from '../hub/hub.service.js';
import type { FoundHold } from '../inventory/stock.repository.js';
import type { StockService } from '../inventory/stock.service.js';
import { mergeLines, type StockLine, type StockRow } from '../inventory/stock.types.js';
import type { HubCapacity } from './hub-capacity.js';
import { planRouting, type HubRules, type PlanInput, type RoutingPlan } from './routing-plan.js';
import { planSplit, type SplitOptions } from './split-plan.js';
import type { Weights } from './routing-score.js';

export interface PlanRequest {
  order: Order;
  lines: StockLine[];
  /** Holds the order already has (a crashed attempt's, or its current reservation): usable by it. */
  own: FoundHold[];
  requestedHub: string | null;
  weights: Weights;
  /** Consider this hub only (assign / reassign). */
  onlyHub?: string;
  /** Hubs tenant rules prefer or forbid for this order. */
  hubRules?: HubRules;
  /** The stock rows of the order's SKUs when the caller read them already (with `own`, in one query). */
  rows?: StockRow[];
  /** The tenant's split policy: with one that splits, a plan no single hub can take gets a split (plan.split). */
  split?: SplitOptions;
}

/** Loads what routing looks at (hubs, stock of the order's SKUs, today's slots taken by other orders) and plans. */
export class RoutingInputs {
  constructor(
    private readonly hubs: HubService,
    private readonly stock: StockService,
    private readonly capacity: HubCapacity,
  ) {}

  async plan(scope: TenantScope, req: PlanRequest): Promise<RoutingPlan> {
    const skus = req.lines.map((l) => l.sku);
    const [allHubs, rows] = await Promise.all([this.hubs.list(scope), req.rows ?? this.stock.rowsForSkus(scope, skus)]);
    const hubs = req.onlyHub ? allHubs.filter((h) => h.code === req.onlyHub) : allHubs;
    const available = new Map<string, Map<string, number>>();
    for (const row of rows) {
      const mine = req.own.find((h) => h.hub_code === row.hub_code && h.sku === row.sku)?.hold.quantity ?? 0;
      if (!available.has(row.hub_code)) available.set(row.hub_code, new Map());
      available.get(row.hub_code)!.set(row.sku, row.available + mine);
    }
    const loadToday = await this.capacity.loadToday(scope, hubs, req.order.id);
    const { latitude, longitude } = req.order.shipping_address;
    const input: PlanInput = {
      hubs,
      available,
      loadToday,
      lines: req.lines,
      shipTo: typeof latitude === 'number' && typeof longitude === 'number' ? { latitude, longitude } : null,
      weights: req.weights,
      requestedHub: req.requestedHub,
      hubRules: req.hubRules,
    };
    const plan = planRouting(input);
    return req.split ? { ...plan, split: planSplit(input, plan, req.split) } : plan;
  }
}

export function orderLines(order: Pick<Order, 'order_items'>): StockLine[] {
  return mergeLines(order.order_items.map((i) => ({ sku: i.seller_sku_code, quantity: i.quantity })));
}
