import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import { ACTORS, BOOKING_STATES, HOLD_REASONS, ORDER_STATUSES, PAYMENT_STATUSES } from '../domain/order.js';

/**
 * The order as the API answers it (`toOrderView`, `toTimelineView`), for the OpenAPI documents.
 * Strict: the contract test fails on a field the view has and this does not, and the other way.
 */

const Candidate = z
  .object({
    hub_code: z.string(),
    eligible: z.boolean(),
    score: z.number().nullable(),
    distance_km: z.number().nullable(),
    proximity_score: z.number(),
    performance_score: z.number(),
    priority: z.number().int(),
    is_external: z.boolean(),
    daily_capacity: z.number().int().nullable(),
    load_today: z.number().int().nullable(),
    rejected_because: z.array(z.string()),
    preferred_by: z.string().nullable().optional().meta({ description: 'The rule that prefers this hub (tried first), if any' }),
    outcome: z.string().meta({ description: '`chosen`, `not_best`, `rejected`, `lost_race`, `wms_refused`, `split_part` (ships one part of a split order); rules may add `preferred`/`forbidden` reasons in rejected_because' }),
  })
  .strict();

/** The last routing decision with every hub considered, and why (core/hub_routing routingRecord). */
export const RoutingDecisionFields = {
  decided_at: Timestamp,
  decided_on: z.iso.date(),
  weights: z.object({ proximity_weight: z.number(), performance_weight: z.number() }).strict(),
  requested_hub: z.string().nullable(),
  requested_hub_honoured: z.boolean(),
  chosen_hub: z.string().nullable(),
  outcome: z.string().meta({ description: '`approved`, `on_hold` or `reassigned`' }),
  hold_reason: z.string().nullable().meta({ description: `One of ${HOLD_REASONS.join(', ')}, or a tenant rule's own reason` }),
  short_skus: z.array(z.string()).meta({ description: 'SKUs no active hub has enough of on its own' }),
  candidates: z.array(Candidate),
  rules: z.record(z.string(), z.unknown()).optional().meta({ description: 'What tenant rules decided for this routing (preferred and forbidden hubs, the rule that held or approved)' }),
  preferred_hubs_rule: z.string().optional(),
  chosen_hubs: z.array(z.string()).optional().meta({ description: 'A split order: the hubs of its parts (chosen_hub is the first)' }),
  split: z
    .object({
      policy: z.string(),
      parts: z.array(z.object({ fulfilment_id: z.string(), hub_code: z.string(), lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() }).strict()), score: z.number(), why: z.string() }).strict()),
    })
    .strict()
    .optional()
    .meta({ description: 'A split order (docs/adr/0020): each part, its lines and why it went to its hub' }),
};

/** The order's payment with the lifecycle figures payment events keep (POST …/orders/{id}/payments). */
export const PaymentView = z
  .object({
    method: z.enum(['cod', 'prepaid']),
    status: z.enum(PAYMENT_STATUSES),
    currency: z.string(),
    total: z.number(),
    authorized_amount: z.number(),
    paid_amount: z.number().meta({ description: 'Captured (prepaid) or collected (COD); refunds never exceed it' }),
    refunded_amount: z.number(),
    failure_reason: z.string().nullable(),
    collected_at: Timestamp.nullable().meta({ description: 'COD: when the cash was collected on delivery' }),
    updated_at: Timestamp.nullable().meta({ description: 'When the last payment event was applied' }),
  })
  .strict()
  .meta({ id: 'Payment' });

export const PaymentEventView = z
  .object({
    event_id: z.string().meta({ description: "The payment provider's or channel's event id: a second event with this id changes nothing" }),
    type: z.enum(['authorized', 'paid', 'failed', 'refunded', 'cod_collected']),
    amount: z.number().nullable(),
    reference: z.string().nullable(),
    reason: z.string().nullable(),
    actor: z.enum(ACTORS),
    source: z.string().meta({ description: '`api`, `internal`, `sales_channel` or `return`' }),
    at: Timestamp,
  })
  .strict()
  .meta({ id: 'PaymentEvent' });

// ---- courier booking and SLA clocks (issue 16) ----
const CourierBookingView = z
  .object({
    fulfilment_id: z.string(),
    state: z.enum(BOOKING_STATES),
    carrier: z.string().nullable(),
    awb: z.string().nullable(),
    label_url: z.string().nullable(),
    pickup_slot: z.object({ from: z.string(), to: z.string() }).strict().nullable(),
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'CourierBooking' });
const SlaClockView = z
  .object({
    started_at: Timestamp,
    due_at: Timestamp,
    at_risk_at: Timestamp,
    at_risk_recorded_at: Timestamp.nullable(),
    breached_recorded_at: Timestamp.nullable(),
    stopped_at: Timestamp.nullable(),
  })
  .strict()
  .nullable();
const OrderSlaView = z
  .object({
    approve_by: Timestamp.nullable(),
    ship_by: Timestamp.nullable(),
    deliver_by: Timestamp.nullable(),
    approve: SlaClockView,
    ship: SlaClockView,
    deliver: SlaClockView,
    flags: z.array(z.string()).meta({ description: '`{stage}:at_risk` / `{stage}:breached` recorded so far' }),
  })
  .strict()
  .meta({ id: 'OrderSla' });
const FulfilmentSlaView = z
  .object({
    ship_by: Timestamp.nullable(),
    deliver_by: Timestamp.nullable(),
    ship: SlaClockView,
    deliver: SlaClockView,
    flags: z.array(z.string()).meta({ description: '`ship|deliver:at_risk` / `…:breached` recorded for this part' }),
  })
  .strict()
  .meta({ id: 'FulfilmentSla' });

/** One part of the order: the lines one hub ships, with its own status, shipment and booking (docs/adr/0020). */
const FulfilmentView = z
  .object({
    fulfilment_id: z.string(),
    hub_code: z.string(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() }).strict()),
    status: z.enum(ORDER_STATUSES),
    shipment: z
      .object({ shipment_id: z.string().nullable().optional(), awb: z.string().nullable(), courier: z.string().nullable(), tracking_url: z.string().nullable() })
      .strict()
      .nullable(),
    courier_booking: CourierBookingView.nullable(),
    invoice_number: z.string().nullable().meta({ description: "The part's invoice: its own (tenant setting invoicing.per = fulfilment), or the order's on a one-part order" }),
    why: z.string().meta({ description: 'Why routing put this part at this hub' }),
    sla: FulfilmentSlaView.nullable().meta({
      description: "The part's ship-by (from the order's approval, at the part's hub: cut-off and working days) and deliver-by (from the part's shipping); a one-part order's are the order's. Null when the tenant sets no SLA",
    }),
  })
  .strict()
  .meta({ id: 'Fulfilment' });

export const OrderView = z
  .object({
    id: z.string().meta({ description: 'The OMS order id (use it in paths)' }),
    order_number: z.number().int().meta({ description: 'Per-tenant sequence' }),
    seller_id: z.string(),
    order_id: z.string().meta({ description: "The seller's reference, unique per seller" }),
    status: z.enum(ORDER_STATUSES),
    hold_reason: z.string().nullable().meta({ description: `One of ${HOLD_REASONS.join(', ')}, or a tenant rule's own reason (e.g. cod_verification)` }),
    hub_code: z.string().nullable(),
    sales_channel: z.object({ name: z.string(), order_id: z.string() }).strict().nullable(),
    order_items: z.array(
      z.object({ seller_sku_code: z.string(), quantity: z.number().int(), unit_price: z.number(), sales_channel_order_item_id: z.string().nullable() }).strict(),
    ),
    customer: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable(), push_token: z.string().nullable().meta({ description: 'Device push token; null when none was given' }) }).strict(),
    shipping_address: z
      .object({
        line1: z.string(),
        line2: z.string().nullable(),
        city: z.string(),
        state: z.string().nullable(),
        country: z.string(),
        postal_code: z.string().nullable(),
        latitude: z.number().nullable(),
        longitude: z.number().nullable(),
        sales_channel_city: z.string().nullable().optional().meta({ description: "The sales channel's own spelling, when an address edit came from the channel" }),
        sales_channel_state: z.string().nullable().optional(),
        sales_channel_country: z.string().nullable().optional(),
      })
      .strict(),
    payment: PaymentView,
    payment_events: z.array(PaymentEventView).meta({ description: 'Payment events applied to the order, oldest first (core/payment)' }),
    shipment: z
      .object({ shipment_id: z.string().nullable().optional(), awb: z.string().nullable(), courier: z.string().nullable(), tracking_url: z.string().nullable() })
      .strict()
      .nullable(),
    invoice_number: z.string().nullable(),
    routing: z
      .object({
        ...RoutingDecisionFields,
        previous_hub: z.string().nullable().optional().meta({ description: 'After a reassignment: the hub the order left' }),
        reason: z.string().optional().meta({ description: 'After a reassignment: why' }),
      })
      .strict()
      .nullable(),
    tags: z.array(z.string()).meta({ description: 'Set by rules (add_tags)' }),
    priority: z.number().int().nullable().meta({ description: 'Set by rules (set_priority)' }),
    rules_fired: z.array(z.string()).meta({ description: 'Names of the rules that fired on this order' }),
    courier_booking: CourierBookingView.nullable().meta({ description: "The fulfilment's courier booking (null until one is requested)" }),
    fulfilments: z.array(FulfilmentView).meta({
      description: 'The parts of the order (docs/adr/0020): one per hub of a split order; a single-hub order has one part whose id is the order id; none before routing',
    }),
    sla: OrderSlaView.nullable().meta({ description: 'SLA deadlines and what the sweep recorded (null when the tenant sets no SLA)' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: z.number().int().meta({ description: 'Grows by one with every change' }),
  })
  .strict()
  .meta({ id: 'Order' });

export const TimelineEntryView = z
  .object({
    at: Timestamp,
    actor: z.enum(ACTORS),
    actor_name: z.string().nullable().meta({ description: 'Which one: the calling service (`service:<name>`) for entries written through the internal API' }),
    kind: z.string().meta({ description: '`status_changed` for moves; others record edits, skipped stages, stale events, routing' }),
    from: z.enum(ORDER_STATUSES).nullable(),
    to: z.enum(ORDER_STATUSES).nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .strict()
  .meta({ id: 'TimelineEntry' });
