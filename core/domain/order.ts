/** The order model of API.md, as the OMS keeps it. Field names are the API's snake_case. */

export const ORDER_STATUSES = [
  'pending',
  'on_hold',
  'approved',
  'picking',
  'picked',
  'packing',
  'packed',
  'shipped',
  'delivered',
  'cancelled',
  'delivery_failed',
  'returned_to_origin',
  // A split order (issue 16) some of whose parts have left their hubs and some not. Last in the
  // list so it stays off the single-hub forward path (transitions.ts FORWARD_PATH).
  'partially_shipped',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const HOLD_REASONS = [
  'insufficient_inventory',
  'no_serviceable_hub',
  'payment_pending',
  'manual_review',
  'hub_capacity',
] as const;
export type TypedHoldReason = (typeof HOLD_REASONS)[number];
declare const tenantHoldReason: unique symbol;
/**
 * A hold reason a tenant defined in one of its rules (core/rules), e.g. `cod_verification`.
 * Branded so that a typo of a typed reason in code is still a compile error; such reasons only
 * come from validated rules.
 */
export type TenantHoldReason = string & { readonly [tenantHoldReason]: true };
export type HoldReason = TypedHoldReason | TenantHoldReason;

/** Who causes a change: drives the transition table and is written on the timeline. */
export const ACTORS = ['seller', 'internal', 'wms', 'courier', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

export interface SalesChannelRef {
  name: string;
  order_id: string;
}

export interface OrderItem {
  seller_sku_code: string;
  quantity: number;
  unit_price: number;
  sales_channel_order_item_id: string | null;
}

export interface Customer {
  name: string;
  email: string | null;
  phone: string | null;
  /** The device's push address (FCM/APNs/Expo token); absent on orders stored before it existed. */
  push_token?: string | null;
}

export interface ShippingAddress {
  line1: string;
  line2: string | null;
  city: string;
  state: string | null;
  country: string;
  postal_code: string | null;
  latitude: number | null;
  longitude: number | null;
  /** The sales channel's own spelling, kept when an address edit comes from the channel. */
  sales_channel_city?: string | null;
  sales_channel_state?: string | null;
  sales_channel_country?: string | null;
}

/** Payment statuses; `authorized`, `partially_refunded` come only from payment events (core/payment). */
export const PAYMENT_STATUSES = ['pending', 'authorized', 'paid', 'partially_refunded', 'refunded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface Payment {
  method: 'cod' | 'prepaid';
  status: PaymentStatus;
  currency: string;
  total: number;
  /** Figures kept by payment events (core/payment); absent on orders that never had one. */
  authorized_amount?: number;
  paid_amount?: number;
  refunded_amount?: number;
  failure_reason?: string | null;
  /** COD: when the courier collected the cash. */
  collected_at?: Date | null;
  updated_at?: Date | null;
}

/** One payment event applied to the order (core/payment): its id makes redelivery a no-op. */
export interface PaymentEventRecord {
  event_id: string;
  type: 'authorized' | 'paid' | 'failed' | 'refunded' | 'cod_collected';
  amount: number | null;
  reference: string | null;
  reason: string | null;
  actor: Actor;
  /** api, internal, sales_channel, return */
  source: string;
  at: Date;
}

export interface ShipmentRef {
  shipment_id?: string | null;
  awb: string | null;
  courier: string | null;
  tracking_url: string | null;
}

export interface TimelineEntry {
  at: Date;
  actor: Actor;
  /** Which one of the actor: the calling service (`service:<name>`) for the internal API. */
  actor_name?: string;
  /** 'status_changed' for moves; other kinds record edits, skipped stages, stale events, routing. */
  kind: string;
  from: OrderStatus | null;
  to: OrderStatus | null;
  reason: string | null;
  details?: Record<string, unknown>;
}

/** An event waiting in the order's outbox: written with the change, relayed, then removed. */
export interface OutboxEvent {
  event_id: string;
  /** The order's n-th event (from 1, no gaps); absent on events written before sequences existed. */
  sequence?: number;
  type: string;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

/** What the order holds at a hub: maintained with the stock rows (see core/inventory). */
export interface Reservation {
  hub_code: string;
  lines: { sku: string; quantity: number }[];
}

/**
 * One part of a split order (issue 16, docs/adr/0020): the lines one hub ships, with its own
 * status, shipment and courier booking. Stored only on orders that have more than one part; a
 * single-hub order is an order with one part, which `fulfilmentsOf` derives from the order itself
 * (so single-hub orders are written exactly as before).
 */
export interface Fulfilment {
  fulfilment_id: string;
  hub_code: string;
  lines: { sku: string; quantity: number }[];
  status: OrderStatus;
  shipment: ShipmentRef | null;
  courier_booking?: CourierBookingSummary | null;
  /** The part's own invoice (tenant setting invoicing.per = fulfilment), once it shipped. */
  invoice_number?: string | null;
  /** Why routing put this part at this hub (the full explanation is order.routing.parts). */
  why: string;
}

/** The rule (core/rules) whose hold keeps an order on hold, and whether it lets go by itself. */
export interface RuleHold {
  rule_id: string;
  rule_name: string;
  rule_version: number;
  /** The hold is lifted when the rule no longer matches (after an edit); otherwise only an approve lifts it. */
  release_when_unmatched: boolean;
}

/**
 * Where an order came from. `bulk` and `backfill` (imports) are routed on the bulk lane so a
 * flood never queues in front of single orders (ADR 0016).
 */
export const ORDER_SOURCES = ['api', 'sales_channel', 'bulk', 'backfill'] as const;
export type OrderSource = (typeof ORDER_SOURCES)[number];

/** True for origins that may come in floods (ADR 0016: they take the bulk routing lane). */
export function isBulkSource(source: OrderSource | undefined): boolean {
  return source === 'bulk' || source === 'backfill';
}

export interface Order {
  id: string;
  tenant_id: string;
  seller_id: string;
  order_id: string;
  order_number: number;
  status: OrderStatus;
  hold_reason: HoldReason | null;
  hub_code: string | null;
  sales_channel: SalesChannelRef | null;
  order_items: OrderItem[];
  customer: Customer;
  shipping_address: ShippingAddress;
  payment: Payment;
  shipment: ShipmentRef | null;
  invoice_number: string | null;
  /** The last routing decision, with every candidate considered (core/hub_routing). */
  routing: Record<string, unknown> | null;
  /** On a split order: the first part's reservation (every part's holds are in `fulfilments`). */
  reservation: Reservation | null;
  /** The parts of a split order (absent on single-hub orders: see `fulfilmentsOf`). */
  fulfilments?: Fulfilment[] | null;
  /** Recorded at creation; the routing lane is chosen from it (ADR 0016). Optional: older orders have none (api). */
  source?: OrderSource;
  /** Set by rules (add_tags, set_priority). Optional: orders from before rules have none. */
  tags?: string[];
  priority?: number | null;
  /** Names of the rules that ever fired on the order (the dashboard counts them). */
  rules_fired?: string[];
  rule_hold?: RuleHold | null;
  /** Payment events applied, oldest first (core/payment). Optional: older orders have none. */
  payment_events?: PaymentEventRecord[];
  /** The courier booking of the order's fulfilment (core/courier); absent until one is requested. */
  courier_booking?: CourierBookingSummary | null;
  /** SLA deadlines and what the sweep recorded about them (core/sla); absent when the tenant has no SLA. */
  sla?: OrderSla | null;
  timeline: TimelineEntry[];
  outbox: OutboxEvent[];
  /** How many events the order has emitted: the last outbox event's sequence (absent: none yet). */
  event_seq?: number;
  created_at: Date;
  updated_at: Date;
  version: number;
}

// ---- courier booking (issue 16, docs/adr/0011) ----
export const BOOKING_STATES = ['requested', 'booked', 'awaiting_courier', 'cancel_pending', 'cancelled'] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

/** What the order shows of its fulfilment's booking; the booking itself lives in `courier_bookings`. */
export interface CourierBookingSummary {
  /** The fulfilment the booking belongs to: today the order id (one part per order). */
  fulfilment_id: string;
  state: BookingState;
  carrier: string | null;
  awb: string | null;
  label_url: string | null;
  pickup_slot: { from: string; to: string } | null;
  updated_at: string;
}

// ---- SLA clocks (issue 16, docs/adr/0012) ----
export const SLA_STAGES = ['approve', 'ship', 'deliver'] as const;
export type SlaStage = (typeof SLA_STAGES)[number];

/** One stage's clock: when it started, when it is due, when the sweep flagged it (once each). */
export interface SlaClock {
  started_at: Date;
  due_at: Date;
  at_risk_at: Date;
  at_risk_recorded_at: Date | null;
  breached_recorded_at: Date | null;
  /** When the stage was left (delivered, cancelled…): its clock stopped. */
  stopped_at: Date | null;
}

export interface OrderSla {
  approve: SlaClock | null;
  ship: SlaClock | null;
  deliver: SlaClock | null;
  /** The earliest moment the sweep has something to record (null: nothing open). Indexed. */
  next_check_at: Date | null;
  /** `{stage}:at_risk` / `{stage}:breached` flags the dashboard counts. */
  flags: string[];
  /** The hub the ship clock was computed for (cut-off), for the dashboard. */
  hub_code: string | null;
  /** A split order's parts (docs/adr/0020): each has its own ship and deliver clocks, at its own hub. */
  parts?: PartSla[];
}

/** One part's clocks: ship-by from the order's approval at the part's hub, deliver-by from the part's shipping. */
export interface PartSla {
  fulfilment_id: string;
  hub_code: string;
  ship: SlaClock | null;
  deliver: SlaClock | null;
  /** `{stage}:at_risk` / `{stage}:breached` recorded for this part. */
  flags: string[];
}

/**
 * The order as a message carries it (JSON, without its outbox), so the step it asks for can
 * start without reading the order again. A step that writes conditions its write on `version`
 * as always, so a stale copy can only lose its race, never win it.
 */
export function orderSnapshot(order: Order): Record<string, unknown> {
  return { ...order, outbox: [] };
}

/** The order of a snapshot (orderSnapshot after JSON), or null when it is not one of `id` in `tenantId`. */
export function orderFromSnapshot(raw: unknown, id: string, tenantId: string): Order | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  if (o.id !== id || o.tenant_id !== tenantId || typeof o.version !== 'number' || typeof o.status !== 'string') return null;
  if (!Array.isArray(o.order_items) || !Array.isArray(o.timeline) || !o.shipping_address || !o.customer || !o.payment) return null;
  // Dates deeper in the order (payment events, SLA clocks, a booking) only exist after creation,
  // which is when snapshots are taken; an order that has them is read instead of revived.
  const payment = o.payment as Record<string, unknown>;
  if (o.sla || o.courier_booking || o.fulfilments || (Array.isArray(o.payment_events) && o.payment_events.length > 0) || payment.updated_at || payment.collected_at) return null;
  const created = new Date(o.created_at as string);
  const updated = new Date(o.updated_at as string);
  if (Number.isNaN(created.getTime()) || Number.isNaN(updated.getTime())) return null;
  const timeline = (o.timeline as Record<string, unknown>[]).map((e) => ({ ...e, at: new Date(e.at as string) }));
  return { ...(o as unknown as Order), created_at: created, updated_at: updated, timeline: timeline as unknown as TimelineEntry[], outbox: [] };
}

/** The order as API.md shows it: no outbox, no internal bookkeeping. */
export function toOrderView(order: Order): Record<string, unknown> {
  return {
    id: order.id,
    order_number: order.order_number,
    seller_id: order.seller_id,
    order_id: order.order_id,
    status: order.status,
    hold_reason: order.hold_reason,
    hub_code: order.hub_code,
    sales_channel: order.sales_channel,
    order_items: order.order_items,
    customer: { ...order.customer, push_token: order.customer.push_token ?? null },
    shipping_address: order.shipping_address,
    payment: paymentView(order.payment),
    payment_events: (order.payment_events ?? []).map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
    shipment: order.shipment,
    invoice_number: order.invoice_number,
    routing: order.routing,
    tags: order.tags ?? [],
    priority: order.priority ?? null,
    rules_fired: order.rules_fired ?? [],
    courier_booking: order.courier_booking ?? null,
    fulfilments: fulfilmentsOf(order).map((f) => ({
      ...f,
      courier_booking: f.courier_booking ?? null,
      invoice_number: f.invoice_number ?? (isSplit(order) ? null : order.invoice_number),
      sla: partSlaView(order, f.fulfilment_id),
    })),
    sla: order.sla ? slaView(order.sla) : null,
    created_at: order.created_at.toISOString(),
    updated_at: order.updated_at.toISOString(),
    version: order.version,
  };
}

/**
 * The order's parts: the stored ones of a split order, or the one part a routed single-hub order
 * is (its id is the order's id, as its courier booking's fulfilment id has always been). An order
 * not routed yet has none.
 */
export function fulfilmentsOf(order: Pick<Order, 'id' | 'status' | 'hub_code' | 'reservation' | 'shipment' | 'courier_booking' | 'fulfilments' | 'order_items'>): Fulfilment[] {
  if (order.status === 'pending' || order.status === 'on_hold') return [];
  if (order.fulfilments && order.fulfilments.length > 0) return order.fulfilments;
  if (!order.hub_code || (order.status === 'cancelled' && !order.reservation)) return [];
  const lines = order.reservation?.lines ?? itemLines(order.order_items);
  return [{ fulfilment_id: order.id, hub_code: order.hub_code, lines, status: order.status, shipment: order.shipment, courier_booking: order.courier_booking ?? null, why: 'single hub' }];
}

/** True when the order is split across hubs (more than one part stored). */
export function isSplit(order: Pick<Order, 'fulfilments'>): boolean {
  return (order.fulfilments?.length ?? 0) > 1;
}

function itemLines(items: OrderItem[]): { sku: string; quantity: number }[] {
  const bySku = new Map<string, number>();
  for (const i of items) bySku.set(i.seller_sku_code, (bySku.get(i.seller_sku_code) ?? 0) + i.quantity);
  return [...bySku].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
}

/** The payment as the API shows it: the lifecycle figures filled in for orders that never had a payment event. */
export function paymentView(payment: Payment): Record<string, unknown> {
  const paidAtCreate = payment.status === 'paid' ? payment.total : 0;
  return {
    method: payment.method,
    status: payment.status,
    currency: payment.currency,
    total: payment.total,
    authorized_amount: payment.authorized_amount ?? 0,
    paid_amount: payment.paid_amount ?? paidAtCreate,
    refunded_amount: payment.refunded_amount ?? 0,
    failure_reason: payment.failure_reason ?? null,
    collected_at: payment.collected_at ? new Date(payment.collected_at).toISOString() : null,
    updated_at: payment.updated_at ? new Date(payment.updated_at).toISOString() : null,
  };
}

/** The compact state carried by every outbound event. */
export function orderEventState(order: Order): Record<string, unknown> {
  return {
    id: order.id,
    order_id: order.order_id,
    order_number: order.order_number,
    status: order.status,
    hold_reason: order.hold_reason,
    hub_code: order.hub_code,
    sales_channel: order.sales_channel,
    payment_status: order.payment.status,
    shipment: order.shipment,
    invoice_number: order.invoice_number,
    version: order.version,
  };
}

function clockView(c: SlaClock | null): Record<string, unknown> | null {
  return (
    c && {
      started_at: c.started_at.toISOString(),
      due_at: c.due_at.toISOString(),
      at_risk_at: c.at_risk_at.toISOString(),
      at_risk_recorded_at: c.at_risk_recorded_at?.toISOString() ?? null,
      breached_recorded_at: c.breached_recorded_at?.toISOString() ?? null,
      stopped_at: c.stopped_at?.toISOString() ?? null,
    }
  );
}

/** A part's ship and deliver clocks: its own on a split order, the order's on a one-part order. */
function partSlaView(order: Order, fulfilmentId: string): Record<string, unknown> | null {
  const sla = order.sla;
  if (!sla) return null;
  const own = isSplit(order) ? sla.parts?.find((p) => p.fulfilment_id === fulfilmentId) : { ship: sla.ship, deliver: sla.deliver, flags: sla.flags.filter((f) => !f.startsWith('approve:')) };
  if (!own) return null;
  return { ship_by: own.ship?.due_at.toISOString() ?? null, deliver_by: own.deliver?.due_at.toISOString() ?? null, ship: clockView(own.ship), deliver: clockView(own.deliver), flags: own.flags };
}

function slaView(sla: OrderSla): Record<string, unknown> {
  return {
    approve_by: sla.approve?.due_at.toISOString() ?? null,
    ship_by: sla.ship?.due_at.toISOString() ?? null,
    deliver_by: sla.deliver?.due_at.toISOString() ?? null,
    approve: clockView(sla.approve),
    ship: clockView(sla.ship),
    deliver: clockView(sla.deliver),
    flags: sla.flags,
  };
}
