import { AppError } from '../domain/errors.js';
import type { Actor, Order, OrderStatus, Payment, PaymentEventRecord } from '../domain/order.js';

/** The payment events an order accepts (issue 14): from the API, the internal API and the sales channel's queue. */
export const PAYMENT_EVENT_KINDS = ['authorized', 'paid', 'failed', 'refunded', 'cod_collected'] as const;
export type PaymentEventKind = (typeof PAYMENT_EVENT_KINDS)[number];

export interface PaymentEventInput {
  /** The provider's or channel's id of the event: a second event with it changes nothing. */
  event_id: string;
  type: PaymentEventKind;
  /** Required for refunds; otherwise the order total (authorized, paid, cod_collected). */
  amount: number | null;
  /** When given, must be the order's currency. */
  currency: string | null;
  reference: string | null;
  reason: string | null;
}

/** What the event does to the order besides its payment. */
export type OrderEffect = 'none' | 'cancel' | 'hold' | 're_evaluate';

export interface PaymentPlan {
  payment: Payment;
  record: PaymentEventRecord;
  effect: OrderEffect;
  /** Set to clear the payment_failed hold marker once the order is paid (routing may then release it). */
  clearRuleHold: boolean;
}

export interface PlanContext {
  actor: Actor;
  source: string;
  now: Date;
  /** Tenant setting payment.on_failure. */
  onFailure: 'cancel' | 'hold';
}

/**
 * The rule hold a failed payment puts on an order it takes back from approval: it never lifts by
 * itself (a sweep must not approve an order whose payment failed), only a later `paid` clears it.
 */
export const PAYMENT_FAILED_HOLD = { rule_id: 'payment_failed', rule_name: 'payment_failed', rule_version: 0, release_when_unmatched: false } as const;

/** Statuses a failed payment takes an order back from (it still holds its stock, nothing has left). */
const CANCEL_ON_FAILURE: readonly OrderStatus[] = ['approved', 'picking'];
const COLLECTABLE: readonly OrderStatus[] = ['shipped', 'delivered'];

/**
 * Applies one payment event to an order's payment, in memory: the new payment, the record kept
 * on the order and what happens to the order. `duplicate` when the order already has this event
 * id (a redelivery); a different event under a used id is a 409. Every refusal is thrown before
 * anything is written.
 */
export function planPaymentEvent(order: Order, input: PaymentEventInput, ctx: PlanContext): PaymentPlan | 'duplicate' {
  const seen = (order.payment_events ?? []).find((e) => e.event_id === input.event_id);
  if (seen) {
    if (seen.type === input.type && (input.amount === null || cents(seen.amount ?? 0) === cents(input.amount))) return 'duplicate';
    throw new AppError('payment_event_conflict', `payment event ${input.event_id} was already applied as a different event`, {
      event_id: input.event_id,
      applied: { type: seen.type, amount: seen.amount },
      received: { type: input.type, amount: input.amount },
    });
  }
  const current = order.payment;
  if (input.currency !== null && input.currency !== current.currency) {
    throw AppError.validation([{ field: 'currency', message: `the order is paid in ${current.currency}` }]);
  }
  const paid = paidAmount(current);
  const refunded = current.refunded_amount ?? 0;
  const next: Payment = { ...current, updated_at: ctx.now };
  let effect: OrderEffect = 'none';
  let clearRuleHold = false;
  const amount = input.amount ?? current.total;
  const notAbove = (limit: number, what: string) => {
    if (cents(amount) > cents(limit)) throw AppError.validation([{ field: 'amount', message: `at most ${limit} (${what})` }]);
  };

  switch (input.type) {
    case 'authorized':
      requireMethod(current, 'prepaid', input.type);
      requireStatus(current, ['pending', 'authorized', 'failed'], input.type);
      notAbove(current.total, 'the order total');
      Object.assign(next, { status: 'authorized', authorized_amount: amount, failure_reason: null });
      break;
    case 'paid':
      requireMethod(current, 'prepaid', input.type);
      requireStatus(current, ['pending', 'authorized', 'failed'], input.type);
      notAbove(current.total, 'the order total');
      Object.assign(next, { status: 'paid', paid_amount: amount, failure_reason: null });
      clearRuleHold = order.rule_hold?.rule_id === PAYMENT_FAILED_HOLD.rule_id;
      // A held order waiting for this payment is re-evaluated at once (the relay queues it).
      if (order.status === 'on_hold') effect = 're_evaluate';
      break;
    case 'failed':
      requireMethod(current, 'prepaid', input.type);
      requireStatus(current, ['pending', 'authorized', 'failed'], input.type);
      Object.assign(next, { status: 'failed', failure_reason: input.reason ?? 'payment failed' });
      if (ctx.onFailure === 'hold' && order.status === 'approved') effect = 'hold';
      else if (ctx.onFailure === 'cancel' && CANCEL_ON_FAILURE.includes(order.status)) effect = 'cancel';
      break;
    case 'refunded': {
      if (input.amount === null) throw AppError.validation([{ field: 'amount', message: 'a refund names its amount' }]);
      if (cents(refunded + input.amount) > cents(paid)) {
        throw new AppError('refund_exceeds_paid', `a refund of ${input.amount} would exceed what was paid (${paid}, ${refunded} refunded already)`, {
          paid_amount: paid,
          refunded_amount: refunded,
          requested: input.amount,
          refundable: round2(paid - refunded),
        });
      }
      const total = round2(refunded + input.amount);
      Object.assign(next, { status: cents(total) >= cents(paid) ? 'refunded' : 'partially_refunded', refunded_amount: total, paid_amount: paid });
      break;
    }
    case 'cod_collected':
      requireMethod(current, 'cod', input.type);
      requireStatus(current, ['pending', 'failed'], input.type);
      if (!COLLECTABLE.includes(order.status)) {
        throw new AppError('invalid_transition', `cash is collected on delivery; this order is ${order.status}`, { status: order.status, allowed_in: COLLECTABLE });
      }
      notAbove(current.total, 'the order total');
      Object.assign(next, { status: 'paid', paid_amount: amount, collected_at: ctx.now, failure_reason: null });
      break;
  }
  const record: PaymentEventRecord = {
    event_id: input.event_id,
    type: input.type,
    amount: input.type === 'failed' ? input.amount : amount,
    reference: input.reference,
    reason: input.reason,
    actor: ctx.actor,
    source: ctx.source,
    at: ctx.now,
  };
  return { payment: next, record, effect, clearRuleHold };
}

/** What was captured or collected: orders created as paid count their total. */
export function paidAmount(payment: Payment): number {
  if (payment.paid_amount !== undefined) return payment.paid_amount;
  return payment.status === 'paid' ? payment.total : 0;
}

/** A prepaid order that has not been paid (the timeout sweep's question). */
export function awaitsPayment(order: Pick<Order, 'payment'>): boolean {
  return order.payment.method === 'prepaid' && ['pending', 'authorized', 'failed'].includes(order.payment.status);
}

function requireMethod(payment: Payment, method: Payment['method'], type: PaymentEventKind): void {
  if (payment.method !== method) {
    throw new AppError('invalid_transition', `${type} applies to ${method} orders; this one is ${payment.method}`, { method: payment.method, type });
  }
}

function requireStatus(payment: Payment, from: readonly Payment['status'][], type: PaymentEventKind): void {
  if (!from.includes(payment.status)) {
    throw new AppError('invalid_transition', `a payment that is ${payment.status} cannot become ${type}`, { payment_status: payment.status, type, allowed_from: from });
  }
}

function cents(amount: number): number {
  return Math.round(amount * 100);
}

function round2(amount: number): number {
  return cents(amount) / 100;
}
