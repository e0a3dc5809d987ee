import type { HoldReason } from '../domain/order.js';
import type { Hub } from '../hub/hub.types.js';
import type { StockLine } from '../inventory/stock.types.js';
import type { SplitPlan } from './split-plan.js';
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
  /** The rule that prefers this hub (preferred hubs are tried first), or null. */
  preferred_by: string | null;
  /** `split_part`: the hub ships one part of a split order (routing.split says which lines and why). */
  outcome: 'chosen' | 'not_best' | 'rejected' | 'lost_race' | 'wms_refused' | 'split_part';
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
  /** Tenant rules (core/rules): hub code -> name of the rule that prefers or forbids it. */
  hubRules?: HubRules;
}

export interface HubRules {
  prefer: ReadonlyMap<string, string>;
  forbid: ReadonlyMap<string, string>;
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
  /** When no single hub can take the order and the tenant's policy splits: the split (split-plan.ts). */
  split?: SplitPlan | null;
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
    const forbiddenBy = input.hubRules?.forbid.get(hub.code);
    if (forbiddenBy) reasons.push(`${FORBIDDEN_BY} "${forbiddenBy}"`);
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
      preferred_by: input.hubRules?.prefer.get(hub.code) ?? null,
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
  // A preferred hub is tried before better-scored ones (a preference, not a bonus: it wins whenever
  // it can fulfil); a hub the seller asked for still comes first.
  const preferred = eligible.filter((e) => e.view.preferred_by !== null);
  if (preferred.length > 0) eligible.splice(0, eligible.length, ...preferred, ...eligible.filter((e) => e.view.preferred_by === null));
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

export const FORBIDDEN_BY = 'forbidden by rule';

function holdReason(input: PlanInput, candidates: CandidateView[]): HoldReason {
  // A hub a rule forbids serves this order no more than an inactive one.
  const active = candidates.filter((c) => !c.rejected_because.some((r) => r === 'hub is inactive' || r.startsWith(FORBIDDEN_BY)));
  if (active.length === 0) return 'no_serviceable_hub';
  const atCapacity = (c: CandidateView) => c.rejected_because.some((r) => r.startsWith('at daily capacity'));
  if (active.every(atCapacity)) return 'no_serviceable_hub';
  // A hub had every unit but no room today: the order waits for capacity, not for stock.
  if (active.some((c) => atCapacity(c) && c.rejected_because.length === 1)) return 'hub_capacity';
  return 'insufficient_inventory';
}

/** The decision stored on the order (order.routing) and on its timeline. */
export function routingRecord(plan: RoutingPlan, weights: Weights, chosen: string | null, outcome: string, holdReason: HoldReason | null, rules?: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(rules ? { rules, preferred_hubs_rule: 'preferred hubs are tried first (after a requested hub), whatever their score' } : {}),
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
