import type { HoldReason } from '../domain/order.js';
import type { Hub } from '../hub/hub.types.js';
import type { StockLine } from '../inventory/stock.types.js';
import { compareScored, greatCircleKm, hubScore, proximityScore, round, type Point, type Weights } from './routing-score.js';

/** One hub as routing saw it: the figures behind its score and why it was or was not taken. */
export interface CandidateView {
  hub_code: string;
  eligible: boolean;
  score: number | null;
  distance_km: number | null;
  proximity_score: number;
  performance_score: number;
  priority: number;
  is_external: boolean;
  daily_capacity: number | null;
  load_today: number | null;
  rejected_because: string[];
  outcome: 'chosen' | 'not_best' | 'rejected' | 'lost_race' | 'wms_refused';
}

export interface PlanInput {
  hubs: Hub[];
  /** available units by hub code, then SKU (the order's own holds already added back). */
  available: Map<string, Map<string, number>>;
  /** Orders routed to each hub today (only for hubs with a daily capacity). */
  loadToday: Map<string, number>;
  lines: StockLine[];
  shipTo: Point | null;
  weights: Weights;
  requestedHub: string | null;
}

export interface RoutingPlan {
  /** Eligible hubs, best first (a requested hub that can fulfil is first). */
  ranked: Hub[];
  candidates: CandidateView[];
  requested_hub: string | null;
  requested_hub_honoured: boolean;
  /** SKUs no active hub has enough of on its own. */
  short_skus: string[];
  /** Why the order has to wait when nothing is eligible. */
  hold_reason: HoldReason | null;
}

/** Pure: scores and filters the hubs for an order. Reserving is the caller's business. */
export function planRouting(input: PlanInput): RoutingPlan {
  const candidates: CandidateView[] = [];
  const eligible: { hub: Hub; view: CandidateView }[] = [];
  for (const hub of input.hubs) {
    const distance = input.shipTo ? round(greatCircleKm(input.shipTo, hub), 1) : null;
    const proximity = round(proximityScore(distance));
    const load = hub.daily_capacity === null ? null : (input.loadToday.get(hub.code) ?? 0);
    const reasons: string[] = [];
    if (!hub.active) reasons.push('hub is inactive');
    if (hub.daily_capacity !== null && (load ?? 0) >= hub.daily_capacity) reasons.push(`at daily capacity (${load}/${hub.daily_capacity})`);
    const stock = input.available.get(hub.code);
    for (const line of input.lines) {
      const have = stock?.get(line.sku) ?? 0;
      if (have < line.quantity) reasons.push(`${line.sku}: needs ${line.quantity}, available ${have}`);
    }
    const view: CandidateView = {
      hub_code: hub.code,
      eligible: reasons.length === 0,
      score: reasons.length === 0 ? hubScore(proximity, hub.performance_score, input.weights) : null,
      distance_km: distance,
      proximity_score: proximity,
      performance_score: hub.performance_score,
      priority: hub.priority,
      is_external: hub.is_external,
      daily_capacity: hub.daily_capacity,
      load_today: load,
      rejected_because: reasons,
      outcome: reasons.length === 0 ? 'not_best' : 'rejected',
    };
    candidates.push(view);
    if (view.eligible) eligible.push({ hub, view });
  }
  eligible.sort((a, b) =>
    compareScored(
      { code: a.hub.code, score: a.view.score ?? 0, priority: a.hub.priority, distance_km: a.view.distance_km },
      { code: b.hub.code, score: b.view.score ?? 0, priority: b.hub.priority, distance_km: b.view.distance_km },
    ),
  );
  const requestedIndex = input.requestedHub ? eligible.findIndex((e) => e.hub.code === input.requestedHub) : -1;
  if (requestedIndex > 0) eligible.unshift(...eligible.splice(requestedIndex, 1));
  candidates.sort((a, b) => Number(b.eligible) - Number(a.eligible) || (b.score ?? -1) - (a.score ?? -1) || a.hub_code.localeCompare(b.hub_code));
  return {
    ranked: eligible.map((e) => e.hub),
    candidates,
    requested_hub: input.requestedHub,
    requested_hub_honoured: requestedIndex >= 0,
    short_skus: shortSkus(input),
    hold_reason: eligible.length > 0 ? null : holdReason(input, candidates),
  };
}

function shortSkus(input: PlanInput): string[] {
  return input.lines
    .filter((line) => !input.hubs.some((h) => h.active && (input.available.get(h.code)?.get(line.sku) ?? 0) >= line.quantity))
    .map((l) => l.sku);
}

function holdReason(input: PlanInput, candidates: CandidateView[]): HoldReason {
  const active = candidates.filter((c) => !c.rejected_because.includes('hub is inactive'));
  if (active.length === 0) return 'no_serviceable_hub';
  const atCapacity = (c: CandidateView) => c.rejected_because.some((r) => r.startsWith('at daily capacity'));
  if (active.every(atCapacity)) return 'no_serviceable_hub';
  // A hub had every unit but no room today: the order waits for capacity, not for stock.
  if (active.some((c) => atCapacity(c) && c.rejected_because.length === 1)) return 'hub_capacity';
  return 'insufficient_inventory';
}

/** The decision stored on the order (order.routing) and on its timeline. */
export function routingRecord(plan: RoutingPlan, weights: Weights, chosen: string | null, outcome: string, holdReason: HoldReason | null): Record<string, unknown> {
  return {
    decided_at: new Date().toISOString(),
    decided_on: new Date().toISOString().slice(0, 10),
    weights,
    requested_hub: plan.requested_hub,
    requested_hub_honoured: plan.requested_hub_honoured && chosen === plan.requested_hub,
    chosen_hub: chosen,
    outcome,
    hold_reason: holdReason,
    short_skus: plan.short_skus,
    candidates: plan.candidates.map((c) => ({ ...c, outcome: c.hub_code === chosen ? 'chosen' : c.outcome })),
  };
}
