import type { Hub } from '../hub/hub.types.js';
import type { StockLine } from '../inventory/stock.types.js';
import type { FulfilmentPolicy } from '../tenant/tenant.types.js';
import type { PlanInput, RoutingPlan } from './routing-plan.js';
import { compareScored, hubScore, round } from './routing-score.js';

/** One part of a split plan: the lines one hub ships, and why they went there. */
export interface PlannedPart {
  hub: Hub;
  lines: StockLine[];
  score: number;
  why: string;
}

export interface SplitPlan {
  policy: Exclude<FulfilmentPolicy, 'single_hub'>;
  parts: PlannedPart[];
}

export interface SplitOptions {
  policy: FulfilmentPolicy;
  maxParts: number;
}

/** Combinations tried per part count before settling for the greedy pick (hubs are tens, not thousands). */
const COMBINATION_BUDGET = 20_000;

/**
 * Pure: when no single hub can take every line, the split of the order over the fewest hubs
 * (ties: preferred hubs, then the best total score), or null when the policy forbids splitting
 * or no allowed split exists. Hubs that are inactive, forbidden by a rule, at daily capacity or
 * external (their WMS takes whole orders) take no part. `split_allowed` may divide a line's quantity between hubs (only when no hub of
 * the split has the whole line); `split_by_line` keeps every line whole. See docs/adr/0020.
 */
export function planSplit(input: PlanInput, plan: RoutingPlan, opts: SplitOptions): SplitPlan | null {
  if (opts.policy === 'single_hub' || plan.ranked.length > 0 || input.lines.length === 0) return null;
  const usable = usableHubs(input, plan);
  const maxParts = Math.min(opts.maxParts, usable.length);
  for (let k = 2; k <= maxParts; k++) {
    let best: { hubs: Ranked[]; preferred: number; score: number } | null = null;
    let tried = 0;
    for (const combo of combinations(usable, k)) {
      if (++tried > COMBINATION_BUDGET) break;
      if (!covers(input, combo, opts.policy)) continue;
      const preferred = combo.filter((h) => h.preferred_by !== null).length;
      const score = combo.reduce((n, h) => n + h.score, 0);
      if (!best || preferred > best.preferred || (preferred === best.preferred && score > best.score + 1e-9)) best = { hubs: combo, preferred, score };
    }
    if (best) return { policy: opts.policy, parts: allocate(input, best.hubs, opts.policy, k) };
  }
  return null;
}

interface Ranked {
  hub: Hub;
  score: number;
  preferred_by: string | null;
  stock: Map<string, number>;
}

/** Hubs that could ship some of the order today, best first (requested, then preferred, then score). */
function usableHubs(input: PlanInput, plan: RoutingPlan): Ranked[] {
  const out: Ranked[] = [];
  for (const hub of input.hubs) {
    const view = plan.candidates.find((c) => c.hub_code === hub.code);
    // An external WMS takes whole orders (its hand-over is per order), so it takes no part of a split.
    if (!view || !hub.active || hub.is_external || input.hubRules?.forbid.has(hub.code)) continue;
    if (hub.daily_capacity !== null && (view.load_today ?? 0) >= hub.daily_capacity) continue;
    const stock = input.available.get(hub.code) ?? new Map<string, number>();
    if (!input.lines.some((l) => (stock.get(l.sku) ?? 0) > 0)) continue;
    out.push({ hub, score: hubScore(view.proximity_score, view.performance_score, input.weights), preferred_by: view.preferred_by, stock });
  }
  const rank = (r: Ranked) => (r.hub.code === input.requestedHub ? 0 : r.preferred_by !== null ? 1 : 2);
  const distance = (r: Ranked) => plan.candidates.find((c) => c.hub_code === r.hub.code)?.distance_km ?? null;
  return out.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      compareScored({ code: a.hub.code, score: a.score, priority: a.hub.priority, distance_km: distance(a) }, { code: b.hub.code, score: b.score, priority: b.hub.priority, distance_km: distance(b) }),
  );
}

/** Whether `hubs` together can ship every line (whole lines only for split_by_line), each hub taking a part. */
function covers(input: PlanInput, hubs: Ranked[], policy: FulfilmentPolicy): boolean {
  return input.lines.every((line) =>
    policy === 'split_by_line' ? hubs.some((h) => (h.stock.get(line.sku) ?? 0) >= line.quantity) : hubs.reduce((n, h) => n + (h.stock.get(line.sku) ?? 0), 0) >= line.quantity,
  );
}

/**
 * Gives each line to the best hub of the split that has all of it; a line no hub of the split has
 * whole (split_allowed) is filled from the best hubs down. Parts come out best hub first.
 */
function allocate(input: PlanInput, hubs: Ranked[], policy: FulfilmentPolicy, k: number): PlannedPart[] {
  const byHub = new Map<string, { lines: StockLine[]; notes: string[] }>(hubs.map((h) => [h.hub.code, { lines: [], notes: [] }]));
  for (const line of input.lines) {
    const whole = hubs.find((h) => (h.stock.get(line.sku) ?? 0) >= line.quantity);
    if (whole) {
      const others = hubs.filter((h) => h !== whole && (h.stock.get(line.sku) ?? 0) >= line.quantity).length;
      byHub.get(whole.hub.code)!.lines.push(line);
      byHub.get(whole.hub.code)!.notes.push(`${line.sku} x${line.quantity}${others > 0 ? ' (best-ranked hub of the split with all of it)' : ' (the only hub of the split with all of it)'}`);
      continue;
    }
    if (policy === 'split_by_line') throw new Error(`split_by_line plan without a hub for ${line.sku}`);
    let left = line.quantity;
    for (const h of hubs) {
      const take = Math.min(left, h.stock.get(line.sku) ?? 0);
      if (take <= 0) continue;
      byHub.get(h.hub.code)!.lines.push({ sku: line.sku, quantity: take });
      byHub.get(h.hub.code)!.notes.push(`${line.sku} x${take} of ${line.quantity} (no hub has all of it; quantity split)`);
      left -= take;
      if (left === 0) break;
    }
  }
  return hubs
    .filter((h) => byHub.get(h.hub.code)!.lines.length > 0)
    .map((h) => {
      const { lines, notes } = byHub.get(h.hub.code)!;
      const rule = h.preferred_by ? `, preferred by rule "${h.preferred_by}"` : '';
      return { hub: h.hub, lines, score: round(h.score), why: `no single hub has every line; split over ${k} hubs (fewest possible, then best score ${round(h.score)}${rule}): ${notes.join('; ')}` };
    });
}

/** k-element subsets of `items`, in order (best-ranked hubs first). */
function* combinations<T>(items: T[], k: number, start = 0, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i <= items.length - (k - prefix.length); i++) yield* combinations(items, k, i + 1, [...prefix, items[i]!]);
}

/** The split as order.routing records it (next to the candidates it was chosen from). */
export function splitRecord(split: SplitPlan, fulfilmentIds: string[]): Record<string, unknown> {
  return {
    policy: split.policy,
    parts: split.parts.map((p, i) => ({ fulfilment_id: fulfilmentIds[i], hub_code: p.hub.code, lines: p.lines, score: p.score, why: p.why })),
  };
}
