import type { BookingState, CourierBookingSummary, Order } from '../domain/order.js';

/** One attempt at one carrier, kept for operators ("why did it go to the second carrier?"). */
export interface BookingAttempt {
  carrier: string;
  at: Date;
  outcome: 'booked' | 'failed' | 'skipped_open_breaker' | 'cancelled' | 'cancel_failed';
  error: string | null;
}

/**
 * A fulfilment's courier booking. Keyed by order and fulfilment (today the fulfilment is the
 * order), so a split order's parts each get their own. It is the idempotency record (the key
 * sent to every carrier), the retry sweep's work list (`next_attempt_at`) and the compensation's
 * memory (which carrier and AWB to cancel).
 */
export interface CourierBooking {
  id: string;
  tenant_id: string;
  seller_id: string;
  order_id: string;
  fulfilment_id: string;
  idempotency_key: string;
  state: BookingState;
  carrier: string | null;
  /** Where the booking was made: the cancel goes there even if the tenant has since changed carriers. */
  carrier_base_url: string | null;
  awb: string | null;
  label_url: string | null;
  tracking_url: string | null;
  pickup_slot: { from: string; to: string } | null;
  attempts: number;
  last_error: string | null;
  /** When the sweep may next work on it; also a lease while one process works on it. */
  next_attempt_at: Date;
  history: BookingAttempt[];
  created_at: Date;
  updated_at: Date;
}

export function bookingId(orderId: string, fulfilmentId: string): string {
  return `${orderId}:${fulfilmentId}`;
}

/**
 * A fulfilment's booking as first stored (`requested`): the one builder, so the idempotency key
 * sent to carriers is made one way. `leaseUntil`: the creating attempt holds it until then.
 */
export function newBooking(order: Pick<Order, 'id' | 'tenant_id' | 'seller_id'>, fulfilmentId: string, now: Date, leaseUntil: Date): CourierBooking {
  const id = bookingId(order.id, fulfilmentId);
  return {
    id,
    tenant_id: order.tenant_id,
    seller_id: order.seller_id,
    order_id: order.id,
    fulfilment_id: fulfilmentId,
    idempotency_key: `${order.tenant_id}:${id}`,
    state: 'requested',
    carrier: null,
    carrier_base_url: null,
    awb: null,
    label_url: null,
    tracking_url: null,
    pickup_slot: null,
    attempts: 0,
    last_error: null,
    next_attempt_at: leaseUntil,
    history: [],
    created_at: now,
    updated_at: now,
  };
}

export function toSummary(b: CourierBooking): CourierBookingSummary {
  return {
    fulfilment_id: b.fulfilment_id,
    state: b.state,
    carrier: b.carrier,
    awb: b.awb,
    label_url: b.label_url,
    pickup_slot: b.pickup_slot,
    updated_at: b.updated_at.toISOString(),
  };
}

/** States the sweep works on. */
export const OPEN_BOOKING_STATES: readonly BookingState[] = ['requested', 'awaiting_courier', 'cancel_pending'];
