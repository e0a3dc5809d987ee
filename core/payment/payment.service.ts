import { AppError, isAppError } from '../domain/errors.js';
import { PAYMENT_EVENT_TYPES, type PaymentEventData } from '../domain/events.js';
import { paymentView, type Actor, type Order, type SalesChannelRef } from '../domain/order.js';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import type { OrderEventRelay } from '../order/order-event.relay.js';
import type { EventSpec, OrderChange, OrderRepository } from '../order/order.repository.js';
import { orderLockKey, type Locker } from '../platform/locker.js';
import type { Logger } from '../platform/logger.js';
import type { TenantService } from '../tenant/tenant.service.js';
import { PAYMENT_FAILED_HOLD, awaitsPayment, planPaymentEvent, type OrderEffect, type PaymentEventInput, type PaymentPlan } from './payment-plan.js';

export interface PaymentResult {
  order: Order;
  /** The order already had this event id: nothing was changed. */
  duplicate: boolean;
  record: NonNullable<Order['payment_events']>[number];
}

export interface PaymentServiceDeps {
  orders: OrderRepository;
  tenants: TenantService;
  locker: Locker;
  relay: OrderEventRelay;
  logger: Logger;
}

/** How the order is named: its OMS id (or the seller's order id), or its sales channel reference. */
export type OrderRef = { id: string } | { sales_channel: SalesChannelRef };

const ATTEMPTS = 5;
/** How many overdue orders one pass of the timeout sweep cancels per tenant; the next pass takes the rest. */
const TIMEOUT_BATCH = 100;

/**
 * The payment lifecycle of an order (issue 14): payment events from every door, each applied
 * once (by its id, in the same conditional update that changes the order), on the timeline, and
 * announced through the order outbox. What follows an event (re-routing a paid order, releasing
 * the stock of one taken back) rides on those events (payment.module.ts), so a crash cannot lose it.
 */
export class PaymentService {
  constructor(private readonly deps: PaymentServiceDeps) {}

  async record(scope: SellerScope, ref: OrderRef, input: PaymentEventInput, actor: Actor, source: string): Promise<PaymentResult> {
    const found = await this.find(scope, ref);
    const result = await this.deps.locker.withLock(orderLockKey(scope.tenantId, found.id), () => this.apply(scope, found.id, input, actor, source));
    if (!result.duplicate) await this.deps.relay.relayQuietly(result.order);
    return result;
  }

  /**
   * Cancels (reason payment_timeout) the tenant's prepaid orders still unpaid after its
   * reservation timeout, which releases what they hold (the cancel's relay follow-up). Safe with
   * several processes sweeping: each order is re-read under its lock and cancelled by a
   * conditional update, so a payment that lands meanwhile wins. Returns how many were cancelled.
   */
  async releaseUnpaid(scope: TenantScope, now = new Date()): Promise<number> {
    const settings = (await this.deps.tenants.settings(scope)).payment;
    if (!settings.auto_release) return 0;
    const cutoff = new Date(now.getTime() - settings.reservation_timeout_s * 1000);
    let cancelled = 0;
    for (const candidate of await this.deps.orders.unpaidPrepaidBefore(scope, cutoff, TIMEOUT_BATCH)) {
      try {
        const order = await this.deps.locker.withLock(orderLockKey(scope.tenantId, candidate.id), () => this.expire(scope, candidate.id, cutoff, settings.reservation_timeout_s));
        if (order) {
          cancelled += 1;
          await this.deps.relay.relayQuietly(order);
        }
      } catch (err) {
        // Busy or changed under us: the next pass looks at it again.
        if (!isAppError(err) || !err.retryable) throw err;
        this.deps.logger.info({ order_id: candidate.id, code: err.code }, 'payment timeout: order busy; left for the next pass');
      }
    }
    return cancelled;
  }

  private async expire(scope: TenantScope, id: string, cutoff: Date, timeoutS: number): Promise<Order | null> {
    const order = await this.deps.orders.findInTenant(scope, id);
    if (!order || !awaitsPayment(order) || order.created_at > cutoff || !['pending', 'on_hold', 'approved'].includes(order.status)) return null;
    const data: PaymentEventData = {
      payment_event: { event_id: `timeout:${order.id}`, type: 'timed_out', amount: null, reference: null, reason: `unpaid after ${timeoutS}s`, source: 'system' },
      payment: paymentView(order.payment),
      order_effect: 'cancelled',
    };
    return this.deps.orders.transition(scope, order, {
      to: 'cancelled',
      actor: 'system',
      reason: 'payment_timeout',
      timeline: [{ actor: 'system', kind: 'payment_timed_out', from: null, to: null, reason: 'payment_timeout', details: { timeout_s: timeoutS, payment_status: order.payment.status } }],
      events: [{ type: PAYMENT_EVENT_TYPES.timed_out, data: { ...data } }],
    });
  }

  /** Under the order's lock: plan against the order as stored now, write conditionally, re-plan on a lost race. */
  private async apply(scope: SellerScope, id: string, input: PaymentEventInput, actor: Actor, source: string): Promise<PaymentResult> {
    const onFailure = (await this.deps.tenants.settings(scope)).payment.on_failure;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const order = await this.deps.orders.findById(scope, id);
      if (!order) throw AppError.notFound('order', id);
      const plan = planPaymentEvent(order, input, { actor, source, now: new Date(), onFailure });
      if (plan === 'duplicate') {
        const record = (order.payment_events ?? []).find((e) => e.event_id === input.event_id)!;
        return { order, duplicate: true, record };
      }
      const updated = await this.write(scope, order, plan);
      if (updated) return { order: updated, duplicate: false, record: plan.record };
    }
    throw new AppError('version_conflict', 'the order kept changing while the payment was applied; retry', { order_id: id });
  }

  private write(scope: SellerScope, order: Order, plan: PaymentPlan): Promise<Order | null> {
    const { record } = plan;
    const data: PaymentEventData = {
      payment_event: { event_id: record.event_id, type: record.type, amount: record.amount, reference: record.reference, reason: record.reason, source: record.source },
      payment: paymentView(plan.payment),
      order_effect: EFFECT_NAMES[plan.effect],
    };
    const events: EventSpec[] = [
      { type: PAYMENT_EVENT_TYPES[record.type], data: { ...data } },
      { type: PAYMENT_EVENT_TYPES.orderPaymentUpdated, data: { ...data } },
    ];
    const change: OrderChange = {
      set: { payment: plan.payment, payment_events: [...(order.payment_events ?? []), record], ...(plan.clearRuleHold ? { rule_hold: null } : {}) },
      timeline: [
        {
          actor: record.actor,
          kind: `payment_${record.type}`,
          from: null,
          to: null,
          reason: record.reason,
          details: { event_id: record.event_id, amount: record.amount, reference: record.reference, source: record.source, payment_status: plan.payment.status },
        },
      ],
      events,
    };
    switch (plan.effect) {
      case 'cancel':
        return this.deps.orders.transition(scope, order, { ...change, to: 'cancelled', actor: 'system', reason: 'payment_failed' });
      case 'hold':
        // Its stock is released by the relay follow-up of payment.failed.v1 (payment.module.ts).
        return this.deps.orders.transition(scope, order, {
          ...change,
          set: { ...change.set, reservation: null, rule_hold: { ...PAYMENT_FAILED_HOLD } },
          to: 'on_hold',
          actor: 'system',
          holdReason: 'payment_pending',
          reason: 'payment_failed',
        });
      default:
        return this.deps.orders.update(scope, order, change);
    }
  }

  private async find(scope: SellerScope, ref: OrderRef): Promise<Order> {
    if ('sales_channel' in ref) {
      const order = await this.deps.orders.findByChannel(scope, ref.sales_channel.name, ref.sales_channel.order_id);
      // Retryable: a payment may overtake its order's create on a standard queue.
      if (!order) throw new AppError('order_not_found', `no order for ${ref.sales_channel.name} order ${ref.sales_channel.order_id}`, { sales_channel: ref.sales_channel }, { retryable: true });
      return order;
    }
    const order = (await this.deps.orders.findById(scope, ref.id)) ?? (await this.deps.orders.findBySellerOrderId(scope, ref.id));
    if (!order) throw AppError.notFound('order', ref.id);
    return order;
  }
}

const EFFECT_NAMES: Record<OrderEffect, PaymentEventData['order_effect']> = { none: 'none', cancel: 'cancelled', hold: 'held', re_evaluate: 're_evaluate' };
