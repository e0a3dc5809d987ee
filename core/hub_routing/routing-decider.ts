import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import type { Actor, Fulfilment, HoldReason, Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { heldReservations } from '../domain/transitions.js';
import type { Hub } from '../hub/hub.types.js';
import type { FoundHold } from '../inventory/stock.repository.js';
import type { StockService } from '../inventory/stock.service.js';
import type { StockLine } from '../inventory/stock.types.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { WmsClient } from '../../external-service/wms/wms.client.js';
import type { RuleBook } from '../rules/rule-book.js';
import { effectsOn, explainOutcome, ruleHoldOf, type RuleEffects } from '../rules/rule-outcome.js';
import type { RuleOutcome } from '../rules/rule.types.js';
import { slotHubsOf, type HubCapacity } from './hub-capacity.js';
import type { Slot } from './hub-capacity.repository.js';
import type { HubReservations } from './hub-reservation.js';
import { orderLines, type RoutingInputs } from './routing-inputs.js';
import { routingRecord, type CandidateView, type RoutingPlan } from './routing-plan.js';
import { splitRecord, type SplitPlan } from './split-plan.js';
import type { Weights } from './routing-score.js';

export interface DecideOptions {
  actor: Actor;
  requestedHub: string | null;
  /** A seller's or service's approval: hold rules and auto-approval were their call. */
  approving: boolean;
  /** Assign: this hub or fail with nothing changed. */
  onlyHub?: string;
}

/**
 * Routes one pending or held order: plan, take a slot of the day at the best hub that has one
 * (daily capacity), reserve every line there (or none), record the decision, move the order.
 * Crash-safe because the stock rows and the hub days are the truth: holds and slots a killed
 * attempt left are found again, reused at the chosen hub and released elsewhere, before the
 * order changes; a lost race on the order is cleaned up after.
 */
export class RoutingDecider {
  constructor(
    private readonly orders: OrderRepository,
    private readonly stock: StockService,
    private readonly capacity: HubCapacity,
    private readonly reservations: HubReservations,
    private readonly inputs: RoutingInputs,
    private readonly tenants: TenantService,
    private readonly rules: RuleBook,
    private readonly wms: WmsClient,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async decide(scope: TenantScope, order: Order, opts: DecideOptions): Promise<Order> {
    const lines = orderLines(order);
    // Rules come from the rule book's cache: no store read of their own on a warm cache.
    // The order's stock rows and its holds anywhere (a crashed attempt's) come in one read.
    const [settings, stock, ownSlots, rules] = await Promise.all([
      this.tenants.settings(scope),
      this.stock.routingView(scope, lines.map((l) => l.sku), order.id),
      this.capacity.slotsOf(scope, order.id),
      this.rules.outcome(scope, order),
    ]);
    const own = stock.holds;
    const hubRules = { prefer: rules.prefer_hubs, forbid: rules.forbid_hubs };
    const split = opts.onlyHub ? undefined : { policy: settings.fulfilment.policy, maxParts: settings.fulfilment.max_parts };
    const plan = await this.inputs.plan(scope, { order, lines, own, rows: stock.rows, requestedHub: opts.requestedHub, weights: settings.routing, onlyHub: opts.onlyHub, hubRules, split });
    if (opts.onlyHub && plan.ranked.length === 0) throw cannotAssign(opts.onlyHub, plan);
    const applied: Applied = { outcome: rules, effects: effectsOn(order, rules) };

    // A caller approving has made the call on holds; a rule's approve only stands in for auto-approval.
    const ruleHold = opts.approving ? null : rules.hold;
    const reason = ruleHold?.reason ?? (opts.approving || settings.auto_approval || rules.approve ? null : 'manual_review');
    if (reason) {
      await this.releaseAll(scope, order, own, ownSlots);
      return this.hold(scope, order, plan, reason, plan.ranked[0]?.code ?? null, opts, settings.routing, applied, ruleHold !== null);
    }
    for (const hub of plan.ranked) {
      const taken = await this.reservations.take(scope, hub, order, lines);
      if (!taken.ok) {
        const why = taken.lacking === 'capacity' ? `${taken.why}: the last slot was taken by another order meanwhile` : `${taken.sku}: taken by another order meanwhile`;
        mark(plan, hub.code, 'lost_race', why);
        continue;
      }
      if (hub.is_external && !(await this.handOver(hub, order))) {
        await taken.undo();
        mark(plan, hub.code, 'wms_refused', 'external WMS did not accept the order');
        continue;
      }
      await this.stock.releaseHolds(scope, own.filter((h) => h.hub_code !== hub.code || !lines.some((l) => l.sku === h.sku)));
      await this.capacity.releaseSlots(scope, order.id, ownSlots.filter((s) => s.hub_code !== hub.code));
      return this.approve(scope, order, plan, hub, lines, opts.actor, settings.routing, applied);
    }
    if (opts.onlyHub) throw cannotAssign(opts.onlyHub, plan);
    if (plan.split && (await this.takeSplit(scope, order, plan, plan.split))) {
      const parts = plan.split.parts;
      const atPart = (hub: string, sku?: string) => parts.some((p) => p.hub.code === hub && (sku === undefined || p.lines.some((l) => l.sku === sku)));
      await this.stock.releaseHolds(scope, own.filter((h) => !atPart(h.hub_code, h.sku)));
      await this.capacity.releaseSlots(scope, order.id, ownSlots.filter((s) => !atPart(s.hub_code)));
      return this.approveSplit(scope, order, plan, plan.split, opts.actor, settings.routing, applied);
    }
    await this.releaseAll(scope, order, own, ownSlots);
    return this.hold(scope, order, plan, plan.hold_reason ?? holdReasonAfterRaces(plan), null, opts, settings.routing, applied, false);
  }

  /**
   * Reserves a split part by part, each part at its hub as one step with its own undo (a slot of
   * the hub's day, then the part's lines): all or nothing across hubs. A part lost to another
   * order meanwhile undoes the parts taken before it, in reverse, and the order is held (the
   * next routing plans again from the stock as it is then).
   */
  private async takeSplit(scope: TenantScope, order: Order, plan: RoutingPlan, split: SplitPlan): Promise<boolean> {
    const undo: (() => Promise<void>)[] = [];
    for (const part of split.parts) {
      const taken = await this.reservations.take(scope, part.hub, order, part.lines);
      if (!taken.ok) {
        for (const step of undo.reverse()) await step();
        mark(plan, part.hub.code, 'lost_race', taken.lacking === 'capacity' ? `${taken.why}: split part lost its slot to another order` : `${taken.sku}: split part lost its units to another order`);
        plan.split = null;
        return false;
      }
      undo.push(taken.undo);
    }
    return true;
  }

  private async approveSplit(scope: TenantScope, order: Order, plan: RoutingPlan, split: SplitPlan, actor: Actor, weights: Weights, applied: Applied): Promise<Order> {
    const fulfilments: Fulfilment[] = split.parts.map((p, i) => ({ fulfilment_id: fulfilmentId(order.id, i), hub_code: p.hub.code, lines: p.lines, status: 'approved', shipment: null, courier_booking: null, why: p.why }));
    const first = fulfilments[0]!;
    const partHubs = fulfilments.map((f) => f.hub_code);
    for (const c of plan.candidates) if (partHubs.includes(c.hub_code)) c.outcome = 'split_part';
    const record = routingRecord(plan, weights, first.hub_code, 'approved', null, explain(applied.outcome));
    const routing = { ...record, chosen_hubs: partHubs, candidates: (record.candidates as CandidateView[]).map((c) => ({ ...c, outcome: partHubs.includes(c.hub_code) ? 'split_part' : c.outcome })), split: splitRecord(split, fulfilments.map((f) => f.fulfilment_id)) };
    const next = await this.orders.transition(scope, order, {
      to: 'approved',
      actor,
      reason: `split over ${partHubs.join(', ')}`,
      set: { ...applied.effects.set, hub_code: first.hub_code, reservation: { hub_code: first.hub_code, lines: first.lines }, fulfilments, routing, rule_hold: null },
      timeline: [
        { actor, kind: 'hub_routed', from: null, to: null, reason: `split over ${partHubs.join(', ')}`, details: { ...routingSummary(routing), parts: fulfilments.map((f) => ({ fulfilment_id: f.fulfilment_id, hub_code: f.hub_code })) } },
        ...fulfilments.map((f) => ({ actor, kind: 'fulfilment_routed', from: null, to: null, reason: `${f.fulfilment_id} to ${f.hub_code}`, details: { fulfilment_id: f.fulfilment_id, hub_code: f.hub_code, lines: f.lines, why: f.why } })),
        ...applied.effects.timeline,
      ],
      events: [
        { type: EVENT_TYPES.orderHubAssigned, data: { hub_code: first.hub_code, previous_hub_code: order.hub_code, fulfilments: fulfilments.map((f) => ({ fulfilment_id: f.fulfilment_id, hub_code: f.hub_code, lines: f.lines })) } },
        ...fulfilments.map((f) => ({ type: EVENT_TYPES.inventoryReserved, data: { hub_code: f.hub_code, lines: f.lines, fulfilment_id: f.fulfilment_id } })),
      ],
    });
    if (!next) return this.lostUpdate(scope, order);
    this.metrics.domainEvents.inc({ event: 'order_reserved' });
    this.metrics.domainEvents.inc({ event: 'order_split' });
    this.rules.counted(applied.effects.recorded);
    return next;
  }

  /**
   * A held order keeps neither stock nor a slot of any hub's day. Only what this attempt found
   * at its start is given back, never what a concurrent routing of the order took meanwhile.
   */
  private async releaseAll(scope: TenantScope, order: Order, own: FoundHold[], ownSlots: Slot[]): Promise<void> {
    await this.stock.releaseHolds(scope, own);
    await this.capacity.releaseSlots(scope, order.id, ownSlots);
  }

  private async approve(scope: TenantScope, order: Order, plan: RoutingPlan, hub: Hub, lines: StockLine[], actor: Actor, weights: Weights, applied: Applied): Promise<Order> {
    const routing = routingRecord(plan, weights, hub.code, 'approved', null, explain(applied.outcome));
    const next = await this.orders.transition(scope, order, {
      to: 'approved',
      actor,
      reason: `routed to ${hub.code}`,
      set: { ...applied.effects.set, hub_code: hub.code, reservation: { hub_code: hub.code, lines }, routing, rule_hold: null, ...noParts(order) },
      timeline: [{ actor, kind: 'hub_routed', from: null, to: null, reason: `chosen ${hub.code}`, details: routingSummary(routing) }, ...applied.effects.timeline],
      events: [
        { type: EVENT_TYPES.orderHubAssigned, data: { hub_code: hub.code, previous_hub_code: order.hub_code } },
        { type: EVENT_TYPES.inventoryReserved, data: { hub_code: hub.code, lines } },
      ],
    });
    if (!next) return this.lostUpdate(scope, order);
    this.metrics.domainEvents.inc({ event: 'order_reserved' });
    this.rules.counted(applied.effects.recorded);
    return next;
  }

  /** `byRule`: the reason is the hold of the highest-priority firing rule (kept on the order as rule_hold). */
  private async hold(scope: TenantScope, order: Order, plan: RoutingPlan, reason: HoldReason, tentative: string | null, opts: DecideOptions, weights: Weights, applied: Applied, byRule: boolean): Promise<Order> {
    const routing = routingRecord(plan, weights, tentative, 'on_hold', reason, explain(applied.outcome));
    // Only an assignment changes the hub of a held order: otherwise hub_code stays the seller's request.
    const hubCode = opts.onlyHub ?? order.hub_code;
    const ruleHold = byRule ? ruleHoldOf(applied.outcome) : null;
    const entry = { actor: opts.actor, kind: 'hub_routed', from: null, to: null, reason, details: routingSummary(routing) };
    const set = { ...applied.effects.set, hub_code: hubCode, reservation: null, routing, rule_hold: ruleHold, ...noParts(order) };
    const timeline = [entry, ...applied.effects.timeline];
    // Held for want of stock: the source systems' inventory.failed.v1.
    const events = reason === 'insufficient_inventory' ? [{ type: EVENT_TYPES.inventoryFailed, data: { hold_reason: reason, candidates: plan.ranked.length } }] : [];
    let next: Order | null;
    if (order.status === 'on_hold') {
      // Re-evaluating a held order that stays held for the same reason writes nothing, so sweeps do not grow timelines.
      if (order.hold_reason === reason && order.hub_code === hubCode && (order.rule_hold?.rule_id ?? null) === (ruleHold?.rule_id ?? null)) return order;
      next = await this.orders.update(scope, order, { set: { ...set, hold_reason: reason }, timeline, events });
    } else {
      next = await this.orders.transition(scope, order, { to: 'on_hold', actor: opts.actor, holdReason: reason, set, timeline, events });
    }
    if (!next) return this.lostUpdate(scope, order);
    this.metrics.domainEvents.inc({ event: 'order_held' });
    this.rules.counted(applied.effects.recorded);
    return next;
  }

  /**
   * Someone changed the order between our read and our write. Holds and slots of the order that
   * its current state does not claim are ours and orphaned: give them back, then let the caller
   * retry (a message is redelivered; an API call answers 409).
   */
  private async lostUpdate(scope: TenantScope, order: Order): Promise<never> {
    const current = await this.orders.findInTenant(scope, order.id);
    const claimed = current ? heldReservations(current) : [];
    const orphans = (await this.stock.holdsOf(scope, order.id)).filter((h) => !claimed.some((r) => claims(r, h)));
    await this.stock.releaseHolds(scope, orphans);
    await this.capacity.keepOnly(scope, order.id, current ? slotHubsOf(current) : null);
    throw new AppError('version_conflict', 'the order changed while it was being routed', { order_id: order.id });
  }

  private async handOver(hub: Hub, order: Order): Promise<boolean> {
    try {
      return (await this.wms.submitOrder(hub, order)).accepted;
    } catch (err) {
      this.logger.warn({ err, hub_code: hub.code, order_id: order.id }, 'external WMS unavailable; trying the next hub');
      return false;
    }
  }
}

/** What the rules said about one order, and what applying it changes on the order. */
interface Applied {
  outcome: RuleOutcome;
  effects: RuleEffects;
}

/** Kept on the routing record only when a rule fired (the record is rewritten with the whole order). */
function explain(outcome: RuleOutcome): Record<string, unknown> | undefined {
  return outcome.fired.length > 0 ? explainOutcome(outcome) : undefined;
}

/** The timeline keeps who won and each hub's score; the full explanation is order.routing (kept small: FerretDB rewrites whole documents). */
function routingSummary(routing: Record<string, unknown>): Record<string, unknown> {
  const candidates = routing.candidates as { hub_code: string; score: number | null; outcome: string; rejected_because: string[]; preferred_by: string | null }[];
  const rules = routing.rules as { fired: { rule: string }[] } | undefined;
  return {
    chosen_hub: routing.chosen_hub,
    hold_reason: routing.hold_reason,
    candidates: candidates.map((c) => ({ hub_code: c.hub_code, score: c.score, outcome: c.outcome, why: c.rejected_because.join('; ') || null, ...(c.preferred_by ? { preferred_by: c.preferred_by } : {}) })),
    ...(rules ? { rules: rules.fired.map((f) => f.rule) } : {}),
  };
}

/** An order split before and routed again: its stored parts go (only then, so a single-hub write is as before). */
function noParts(order: Order): { fulfilments?: null } {
  return order.fulfilments ? { fulfilments: null } : {};
}

/** A part's id: the order's id and the part's number (a one-part order's only part is the order's id). */
export function fulfilmentId(orderId: string, index: number): string {
  return `${orderId}-F${index + 1}`;
}

function claims(reservation: Order['reservation'], h: FoundHold): boolean {
  return !!reservation && reservation.hub_code === h.hub_code && reservation.lines.some((l) => l.sku === h.sku && l.quantity === h.hold.quantity);
}

/**
 * Every ranked hub was lost at the last moment (to another order's slot or units). As in the
 * plan, a hub that lacked nothing but room today makes it a capacity hold, not a stock one.
 */
function holdReasonAfterRaces(plan: RoutingPlan): HoldReason {
  const onlyRoomLacking = plan.candidates.some((c) => c.rejected_because.length > 0 && c.rejected_because.every((r) => r.startsWith('at daily capacity')));
  return onlyRoomLacking ? 'hub_capacity' : 'insufficient_inventory';
}

function mark(plan: RoutingPlan, hubCode: string, outcome: 'lost_race' | 'wms_refused', why: string): void {
  const c = plan.candidates.find((x) => x.hub_code === hubCode);
  if (c) {
    c.outcome = outcome;
    c.rejected_because.push(why);
  }
}

function cannotAssign(hubCode: string, plan: RoutingPlan): AppError {
  const c = plan.candidates.find((x) => x.hub_code === hubCode);
  return new AppError('insufficient_stock', `hub ${hubCode} cannot fulfil the order`, { hub_code: hubCode, rejected_because: c?.rejected_because ?? ['unknown hub'] });
}
