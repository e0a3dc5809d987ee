import assert from 'node:assert/strict';
import { AppError } from '../domain/errors.js';
import type { Order, OrderStatus, Payment } from '../domain/order.js';
import { PAYMENT_FAILED_HOLD, awaitsPayment, planPaymentEvent, type PaymentEventInput, type PaymentPlan } from './payment-plan.js';

function order(payment: Partial<Payment> = {}, extra: Partial<Order> = {}): Order {
  const now = new Date();
  return {
    id: 'ord_1',
    tenant_id: 'ten_1',
    seller_id: 'sel_1',
    order_id: 'SO-1',
    order_number: 1,
    status: 'pending',
    hold_reason: null,
    hub_code: null,
    sales_channel: null,
    order_items: [{ seller_sku_code: 'SKU', quantity: 1, unit_price: 10, sales_channel_order_item_id: null }],
    customer: { name: 'A', email: null, phone: null },
    shipping_address: { line1: 'x', line2: null, city: 'Riyadh', state: null, country: 'SA', postal_code: null, latitude: null, longitude: null },
    payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 10, ...payment },
    shipment: null,
    invoice_number: null,
    routing: null,
    reservation: null,
    timeline: [],
    outbox: [],
    created_at: now,
    updated_at: now,
    version: 1,
    ...extra,
  };
}

function event(type: PaymentEventInput['type'], extra: Partial<PaymentEventInput> = {}): PaymentEventInput {
  return { event_id: `e-${type}`, type, amount: null, currency: null, reference: null, reason: null, ...extra };
}

const ctx = { actor: 'seller' as const, source: 'api', now: new Date('2026-01-01T00:00:00Z'), onFailure: 'cancel' as const };

function plan(o: Order, e: PaymentEventInput, onFailure: 'cancel' | 'hold' = 'cancel'): PaymentPlan {
  const p = planPaymentEvent(o, e, { ...ctx, onFailure });
  assert.notEqual(p, 'duplicate');
  return p as PaymentPlan;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError);
    return err.code;
  }
  return 'no error';
}

describe('payment plan (pure rules)', () => {
  it('paid clears a held order for re-evaluation, and the payment_failed marker with it', () => {
    const held = order({}, { status: 'on_hold', hold_reason: 'payment_pending', rule_hold: { ...PAYMENT_FAILED_HOLD } });
    const p = plan(held, event('paid'));
    assert.deepEqual([p.payment.status, p.payment.paid_amount, p.effect, p.clearRuleHold], ['paid', 10, 're_evaluate', true]);
    assert.equal(plan(order(), event('paid')).effect, 'none'); // pending: routing decides it anyway
  });

  it('failed after approval cancels or holds per setting; before approval or beyond picking it changes no status', () => {
    const cases: [OrderStatus, 'cancel' | 'hold', string][] = [
      ['approved', 'cancel', 'cancel'],
      ['picking', 'cancel', 'cancel'],
      ['approved', 'hold', 'hold'],
      ['picking', 'hold', 'none'],
      ['on_hold', 'cancel', 'none'],
      ['packed', 'cancel', 'none'],
    ];
    for (const [status, onFailure, effect] of cases) assert.equal(plan(order({}, { status }), event('failed'), onFailure).effect, effect, `${status} ${onFailure}`);
  });

  it('refunds add up to what was paid and never beyond it', () => {
    const paid = order({ status: 'paid' });
    const p = plan(paid, event('refunded', { amount: 2.5 }));
    assert.deepEqual([p.payment.status, p.payment.refunded_amount, p.payment.paid_amount], ['partially_refunded', 2.5, 10]);
    const after = order({ ...p.payment });
    assert.equal(plan(after, event('refunded', { event_id: 'r2', amount: 7.5 })).payment.status, 'refunded');
    assert.equal(code(() => plan(after, event('refunded', { event_id: 'r3', amount: 7.51 }))), 'refund_exceeds_paid');
    assert.equal(code(() => plan(order(), event('refunded', { amount: 1 }))), 'refund_exceeds_paid');
    // 0.1 + 0.2 style sums do not refuse an exact refund.
    const cents = order({ status: 'paid', total: 0.3, paid_amount: 0.3, refunded_amount: 0.1 });
    assert.equal(plan(cents, event('refunded', { amount: 0.2 })).payment.status, 'refunded');
  });

  it('a repeated event id is a duplicate; another event under it is a conflict', () => {
    const first = plan(order(), event('paid'));
    const after = order(first.payment, { payment_events: [first.record] });
    assert.equal(planPaymentEvent(after, event('paid'), ctx), 'duplicate');
    assert.equal(planPaymentEvent(after, event('paid', { amount: 10 }), ctx), 'duplicate');
    assert.equal(code(() => planPaymentEvent(after, event('paid', { amount: 5 }), ctx)), 'payment_event_conflict');
    assert.equal(code(() => planPaymentEvent(after, { ...event('failed'), event_id: 'e-paid' }, ctx)), 'payment_event_conflict');
  });

  it('refuses events that do not fit the method, the payment status or the order', () => {
    assert.equal(code(() => plan(order({ method: 'cod' }), event('paid'))), 'invalid_transition');
    assert.equal(code(() => plan(order({ status: 'paid' }), event('failed'))), 'invalid_transition');
    assert.equal(code(() => plan(order({ status: 'paid' }), event('paid', { event_id: 'again' }))), 'invalid_transition');
    assert.equal(code(() => plan(order({ method: 'cod' }), event('cod_collected'))), 'invalid_transition'); // not delivered yet
    assert.equal(code(() => plan(order(), event('paid', { amount: 11 }))), 'validation_failed');
    assert.equal(code(() => plan(order(), event('paid', { currency: 'USD' }))), 'validation_failed');
    const collected = plan(order({ method: 'cod' }, { status: 'delivered' }), event('cod_collected'));
    assert.deepEqual([collected.payment.status, collected.payment.paid_amount, collected.payment.collected_at], ['paid', 10, ctx.now]);
  });

  it('awaitsPayment: prepaid and not paid', () => {
    assert.equal(awaitsPayment(order()), true);
    assert.equal(awaitsPayment(order({ status: 'authorized' })), true);
    assert.equal(awaitsPayment(order({ status: 'paid' })), false);
    assert.equal(awaitsPayment(order({ method: 'cod' })), false);
  });
});
