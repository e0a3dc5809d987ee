import { AppError, isAppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import type { Actor, Order, RuleHold } from '../domain/order.js';
import { tenantScope, type SellerScope, type TenantScope } from '../domain/tenant-scope.js';
import { planTransition } from '../domain/transitions.js';
import type { HubService } from '../hub/hub.service.js';
import type { StockService } from '../inventory/stock.service.js';
import type { OrderRepository } from '../order/order.repository.js';
import { orderLockKey, type Locker } from '../platform/locker.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { RuleBook } from '../rules/rule-book.js';
import { explainOutcome } from '../rules/rule-outcome.js';
import { STOCK_HOLD_REASONS } from './hold-rules.js';
import type { HubCapacity } from './hub-capacity.js';
import type { HubReservations } from './hub-reservation.js';
import type { RoutingDecider } from './routing-decider.js';
import { orderLines, type RoutingInputs } from './routing-inputs.js';
import { routingRecord } from './routing-plan.js';

export interface RouteOptions {
  hubCode?: string | null;
  /**
   * Who asks. 'system' (the routing listener, approve-on-hold) applies hold rules and
   * auto-approval; a seller or service approving a held order has made that call already.
   */
  actor?: Actor;
}

/**
 * Hub routing use cases: route, approve, preview, assign and reassign. Each takes the order lock
 * but `routeOrder`, whose caller holds it or does without (the lock only spares wasted work:
 * correctness rests on the conditional updates, which tests prove by racing `routeOrder`).
 */
export class HubRoutingService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly decider: RoutingDecider,
    private readonly inputs: RoutingInputs,
    private readonly stock: StockService,
    private readonly capacity: HubCapacity,
    private readonly reservations: HubReservations,
    private readonly hubs: HubService,
    private readonly tenants: TenantService,
    private readonly rules: RuleBook,
    private readonly locker: Locker,
    /** Sends the events a change put in the order's outbox now (the sweeper would, later). */
    private readonly relay: (order: Order) => Promise<void> = async () => undefined,
  ) {}

  async routeOrder(scope: TenantScope, orderId: string, options: RouteOptions = {}): Promise<Order> {
    return this.relayed(await this.route(scope, orderId, options));
  }

  /**
   * The route_order message: under the order lock (busy: retried later); events relayed after it
   * is released. `known`: the order as the message carries it, used instead of reading it; if it
   * is stale, the conditional write refuses it and the order is read and routed again at once.
   */
  async routeLocked(scope: TenantScope, orderId: string, known: Order | null = null): Promise<Order> {
    return this.relayed(
      await this.locked(scope, orderId, async () => {
        if (!known) return this.route(scope, orderId, {});
        try {
          return await this.route(scope, orderId, {}, known);
        } catch (err) {
          if (!isAppError(err) || err.code !== 'version_conflict') throw err;
          return this.route(scope, orderId, {});
        }
      }),
    );
  }

  /** The decision routing would take now, with every candidate, reserving nothing. */
  async preview(scope: SellerScope, orderId: string): Promise<Record<string, unknown>> {
    const order = await this.requireOrder(scope, orderId);
    const settings = await this.tenants.settings(scope);
    const own = await this.stock.holdsOf(scope, order.id);
    const rules = await this.rules.outcome(scope, order);
    const hubRules = { prefer: rules.prefer_hubs, forbid: rules.forbid_hubs };
    const plan = await this.inputs.plan(scope, { order, lines: orderLines(order), own, requestedHub: order.hub_code, weights: settings.routing, hubRules });
    const rule = rules.hold?.reason ?? (settings.auto_approval || rules.approve ? null : 'manual_review');
    const chosen = plan.ranked[0]?.code ?? null;
    const holdReason = rule ?? plan.hold_reason;
    const record = routingRecord(plan, settings.routing, chosen, holdReason ? 'on_hold' : 'approved', holdReason, explainOutcome(rules));
    return { order_id: order.id, status: order.status, dry_run: true, ...record };
  }

  /**
   * Manual approval: the caller's decision overrides hold rules, never stock. An order holding
   * no reservation is routed with the caller as actor (reserve everything at one hub, then
   * approve, or stay on hold for stock); one that already holds its stock just moves.
   */
  async approve(scope: SellerScope, orderId: string, actor: Actor): Promise<Order> {
    return this.relayed(await this.locked(scope, orderId, async () => {
      const order = await this.requireOrder(scope, orderId);
      planTransition(order.status, 'approved', actor);
      if (!order.reservation) return this.decider.decide(scope, order, { actor, approving: true, requestedHub: order.hub_code });
      const updated = await this.orders.transition(scope, order, { to: 'approved', actor, reason: `approved from ${order.hold_reason ?? order.status}` });
      if (!updated) throw new AppError('version_conflict', 'the order was changed by someone else; read it again and retry', { id: order.id, version: order.version });
      return updated;
    }));
  }

  /** Puts a pending or held order at `hubCode` (all lines reserved there, or 409 with nothing changed); an approved one is moved. */
  assignHub(scope: SellerScope, orderId: string, hubCode: string, actor: Actor): Promise<Order> {
    return this.putAt(scope, orderId, hubCode, { reason: 'assigned', actor, alreadyThere: 'fine' });
  }

  /** Moves an order to `hubCode` for `reason`; being there already is a 409. */
  reassignHub(scope: SellerScope, orderId: string, hubCode: string, reason: string, actor: Actor): Promise<Order> {
    return this.putAt(scope, orderId, hubCode, { reason, actor, alreadyThere: 'conflict' });
  }

  private async putAt(scope: SellerScope, orderId: string, hubCode: string, opts: { reason: string; actor: Actor; alreadyThere: 'fine' | 'conflict' }): Promise<Order> {
    return this.relayed(await this.locked(scope, orderId, async () => {
      const order = await this.requireOrder(scope, orderId);
      await this.requireHub(scope, hubCode);
      if (order.status === 'pending' || order.status === 'on_hold') {
        return this.decider.decide(scope, order, { actor: opts.actor, approving: false, requestedHub: hubCode, onlyHub: hubCode });
      }
      if (order.status !== 'approved') throw notMovable(order);
      if (order.hub_code !== hubCode) return this.move(scope, order, hubCode, opts.reason, opts.actor);
      if (opts.alreadyThere === 'fine') return order;
      throw new AppError('conflict', `the order is already at hub ${hubCode}`, { hub_code: hubCode });
    }));
  }

  /**
   * Moves an approved order's reservation: the new hub taken first (a slot of its day and every
   * line, or 409 with nothing changed), then the order points at it, then the old holds and
   * slot are released. A crash between the last two leaves old holds and a slot no live order
   * claims: `check-stock --repair` frees them.
   */
  private async move(scope: TenantScope, order: Order, hubCode: string, reason: string, actor: Actor): Promise<Order> {
    const settings = await this.tenants.settings(scope);
    const lines = orderLines(order);
    const own = await this.stock.holdsOf(scope, order.id);
    const plan = await this.inputs.plan(scope, { order, lines, own, requestedHub: hubCode, weights: settings.routing, onlyHub: hubCode });
    const cannot = (why?: string) =>
      new AppError('insufficient_stock', `hub ${hubCode} cannot fulfil the order`, { hub_code: hubCode, rejected_because: why ? [why] : (plan.candidates[0]?.rejected_because ?? []) });
    const hub = plan.ranked[0];
    if (!hub) throw cannot();
    const taken = await this.reservations.take(scope, hub, order, lines);
    if (!taken.ok) throw taken.lacking === 'capacity' ? cannot(taken.why) : cannot();
    const routing = { ...routingRecord(plan, settings.routing, hubCode, 'reassigned', null), previous_hub: order.hub_code, reason };
    const next = await this.orders.update(scope, order, {
      // A split order moved whole to one hub is a one-part order again.
      set: { hub_code: hubCode, reservation: { hub_code: hubCode, lines }, routing, ...(order.fulfilments ? { fulfilments: null } : {}) },
      timeline: [{ actor, kind: 'hub_reassigned', from: null, to: null, reason, details: { from_hub: order.hub_code, to_hub: hubCode } }],
      events: [{ type: EVENT_TYPES.orderHubAssigned, data: { hub_code: hubCode, previous_hub_code: order.hub_code, reason } }],
    });
    if (!next) {
      await taken.undo();
      throw new AppError('version_conflict', 'the order changed while its hub was being moved; nothing was changed', { order_id: order.id });
    }
    await this.stock.releaseHolds(scope, own.filter((h) => h.hub_code !== hubCode));
    await this.capacity.keepOnly(scope, order.id, hubCode);
    return next;
  }

  private async route(scope: TenantScope, orderId: string, options: RouteOptions, known: Order | null = null): Promise<Order> {
    const order = known ?? (await this.orders.findInTenant(scope, orderId));
    if (!order) throw AppError.notFound('order', orderId);
    const actor = options.actor ?? 'system';
    const approving = actor !== 'system';
    if (!(await this.routable(order, approving))) return order;
    return this.decider.decide(scope, order, { actor, approving, requestedHub: options.hubCode ?? order.hub_code });
  }

  private locked<T>(scope: TenantScope, orderId: string, fn: () => Promise<T>): Promise<T> {
    return this.locker.withLock(orderLockKey(scope.tenantId, orderId), fn);
  }

  private async relayed(order: Order): Promise<Order> {
    if (order.outbox.length > 0) await this.relay(order);
    return order;
  }

  /** Which orders routing may (re)decide: pending ones; held ones whose reason routing can clear. */
  private async routable(order: Order, approving: boolean): Promise<boolean> {
    if (order.status === 'pending') return true;
    if (order.status !== 'on_hold') return false;
    if (approving || (order.hold_reason && STOCK_HOLD_REASONS.includes(order.hold_reason))) return true;
    const held = heldByRule(order);
    if (held?.release_when_unmatched) {
      // The rule lets go once the order no longer matches it (an unpaid prepaid order once paid).
      const outcome = await this.rules.outcome(tenantScope(order.tenant_id), order);
      return !outcome.fired.some((f) => f.rule_id === held.rule_id);
    }
    return false; // manual_review and other rule holds wait for a person's approve
  }

  private async requireOrder(scope: SellerScope, orderId: string): Promise<Order> {
    const order = (await this.orders.findById(scope, orderId)) ?? (await this.orders.findBySellerOrderId(scope, orderId));
    if (!order) throw AppError.notFound('order', orderId);
    return order;
  }

  private async requireHub(scope: TenantScope, code: string): Promise<void> {
    if (!(await this.hubs.find(scope, code))) throw AppError.validation([{ field: 'hub_code', message: `unknown hub ${code}` }]);
  }
}

/** The rule holding the order; orders held before rules existed name theirs only by reason. */
export function heldByRule(order: Order): RuleHold | null {
  if (order.status !== 'on_hold') return null;
  if (order.rule_hold) return order.rule_hold;
  return order.hold_reason === 'payment_pending' ? { rule_id: 'hold_unpaid_prepaid', rule_name: 'hold_unpaid_prepaid', rule_version: 0, release_when_unmatched: true } : null;
}

function notMovable(order: Order): AppError {
  return new AppError('edit_not_allowed', `the hub of an order in ${order.status} cannot change`, { status: order.status });
}
