import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import { dataOf, Timestamp } from '../../router/openapi/schemas.js';
import { BOOKING_STATES } from '../domain/order.js';
import type { CourierBookingService } from './courier-booking.service.js';
import type { CourierBooking } from './courier-booking.types.js';

const Params = z.object({ seller_id: z.string(), order_id: z.string().min(1).max(100) });

export const CourierBookingDetailView = z
  .object({
    fulfilment_id: z.string(),
    state: z.enum(BOOKING_STATES),
    carrier: z.string().nullable(),
    awb: z.string().nullable(),
    label_url: z.string().nullable(),
    tracking_url: z.string().nullable(),
    pickup_slot: z.object({ from: z.string(), to: z.string() }).strict().nullable(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    next_attempt_at: Timestamp.nullable().meta({ description: 'When the sweep tries again (open states only)' }),
    history: z.array(
      z
        .object({
          carrier: z.string(),
          at: Timestamp,
          outcome: z.enum(['booked', 'failed', 'skipped_open_breaker', 'cancelled', 'cancel_failed']),
          error: z.string().nullable(),
        })
        .strict(),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'CourierBookingDetail' });

function toView(b: CourierBooking): z.input<typeof CourierBookingDetailView> {
  const open = b.state === 'requested' || b.state === 'awaiting_courier' || b.state === 'cancel_pending';
  return {
    fulfilment_id: b.fulfilment_id,
    state: b.state,
    carrier: b.carrier,
    awb: b.awb,
    label_url: b.label_url,
    tracking_url: b.tracking_url,
    pickup_slot: b.pickup_slot,
    attempts: b.attempts,
    last_error: b.last_error,
    next_attempt_at: open ? b.next_attempt_at.toISOString() : null,
    history: b.history.map((h) => ({ carrier: h.carrier, at: h.at.toISOString(), outcome: h.outcome, error: h.error })),
    created_at: b.created_at.toISOString(),
    updated_at: b.updated_at.toISOString(),
  };
}

/** Operators' view of an order's courier bookings: which carriers were tried, why, what is pending. */
export function registerCourierBookingRoutes(seller: SellerRoutes, bookings: CourierBookingService): void {
  seller.add(
    {
      method: 'get',
      path: '/orders/:order_id/courier-bookings',
      operationId: 'listOrderCourierBookings',
      summary: "The order's courier bookings (one per fulfilment) with every attempt",
      tag: 'shipments',
      params: Params,
      response: dataOf(z.array(CourierBookingDetailView)),
    },
    async ({ params, caller }) => ({ body: { data: (await bookings.listForOrder(caller.scope!, params.order_id)).map(toView) } }),
  );
}
