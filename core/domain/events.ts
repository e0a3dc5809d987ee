import { z } from 'zod';

/** Outbound event names of API.md: the same names on the `oms-events` topic, the order-updates queue and Pusher. */
export const EVENT_TYPES = {
  orderCreated: 'order.created.v1',
  orderStatusChanged: 'order.status_changed.v1',
  orderHubAssigned: 'order.hub_assigned.v1',
  orderUpdated: 'order.updated.v1',
  inventoryReserved: 'inventory.reserved.v1',
  inventoryFailed: 'inventory.failed.v1',
  inventoryUpdated: 'inventory.updated.v1',
  inventoryLowStock: 'inventory.low_stock.v1',
  shipmentCreated: 'shipment.created.v1',
  shipmentUpdated: 'shipment.updated.v1',
  returnCreated: 'return.created.v1',
  returnReceived: 'return.received.v1',
  bulkJobProgress: 'bulk_job.progress.v1',
  // SLA clocks (issue 16)
  orderSlaAtRisk: 'order.sla_at_risk.v1',
  orderSlaBreached: 'order.sla_breached.v1',
  // Split fulfilment (issue 16, docs/adr/0020)
  fulfilmentStatusChanged: 'fulfilment.status_changed.v1',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** The version of the envelope below; an incompatible change publishes `.v2` names and bumps it. */
export const EVENT_SCHEMA_VERSION = '1';

/**
 * The envelope every event travels in (topic, order-updates queue, Pusher). `event_id` is stable
 * across redeliveries (consumers dedupe by it); `sequence` counts an order's events from 1 with
 * no gaps in the order they were written, so a consumer can put them back in order and notice a
 * missing one. Events that belong to no order (stock, bulk jobs) have `order_id` and `sequence` null.
 */
export const OutboundEventSchema = z.object({
  event_id: z.string().min(1).meta({ description: 'Stable id: the same on every redelivery' }),
  event: z.string().min(1).meta({ description: 'Event name, e.g. order.created.v1' }),
  schema_version: z.string().optional().meta({ description: 'Envelope version (also the message attribute schema_version)' }),
  occurred_at: z.string().min(1).meta({ description: 'ISO 8601' }),
  tenant_id: z.string().min(1),
  seller_id: z.string().min(1),
  order_id: z.string().min(1).nullable(),
  sequence: z.number().int().positive().nullable().optional().meta({ description: "Per-order, from 1, gap-free, in write order; null outside an order" }),
  data: z.record(z.string(), z.unknown()),
});
export type OutboundEvent = z.infer<typeof OutboundEventSchema>;

const OrderState = z
  .object({
    id: z.string(),
    order_id: z.string(),
    order_number: z.number().int(),
    status: z.string(),
    hold_reason: z.string().nullable(),
    hub_code: z.string().nullable(),
    sales_channel: z.object({ name: z.string(), order_id: z.string() }).nullable(),
    payment_status: z.string(),
    shipment: z.object({ awb: z.string().nullable(), courier: z.string().nullable(), tracking_url: z.string().nullable() }).passthrough().nullable(),
    invoice_number: z.string().nullable(),
    version: z.number().int(),
  })
  .meta({ description: 'The order as it is after the change (every order event carries it)' });

const Line = z.object({ sku: z.string(), quantity: z.number().int() });
const ShipmentRef = z.object({ shipment_id: z.string().nullable().optional(), awb: z.string().nullable(), courier: z.string().nullable(), tracking_url: z.string().nullable() }).passthrough();
const StockRow = { hub_code: z.string(), sku: z.string(), on_hand: z.number(), reserved: z.number(), available: z.number() };

/** What an event's `data` holds, by name: the AsyncAPI document (/asyncapi.json) is generated from it. */
export interface EventDefinition {
  summary: string;
  data: z.ZodType;
  /** The channel (Kafka topic of the source systems) the event belongs to, for grouping in the document. */
  group: 'order' | 'inventory' | 'shipment' | 'return' | 'payment' | 'bulk_job' | 'webhook';
}

const orderData = (extra: z.ZodRawShape = {}) => z.object({ order: OrderState, ...extra }).passthrough();

const EVENT_DEFINITIONS = new Map<string, EventDefinition>([
  [EVENT_TYPES.orderCreated, { group: 'order', summary: 'An order was created (any door: API, internal API, sales channel)', data: orderData() }],
  [
    EVENT_TYPES.orderStatusChanged,
    {
      group: 'order',
      summary: 'An order moved along the transition table',
      data: orderData({ from: z.string(), to: z.string(), actor: z.string(), reason: z.string().nullable(), skipped: z.array(z.string()) }),
    },
  ],
  [EVENT_TYPES.orderHubAssigned, { group: 'order', summary: 'An order was given (or moved to) a hub', data: orderData({ hub_code: z.string(), previous_hub_code: z.string().nullable(), reason: z.string().optional() }) }],
  [EVENT_TYPES.orderUpdated, { group: 'order', summary: 'An order was edited, or got its invoice', data: orderData({ edit_types: z.array(z.string()).optional(), fields: z.array(z.string()).optional(), source: z.string().optional(), invoice_number: z.string().optional() }) }],
  [EVENT_TYPES.inventoryReserved, { group: 'inventory', summary: "Routing reserved an order's lines at a hub (the order is approved)", data: orderData({ hub_code: z.string(), lines: z.array(Line) }) }],
  [
    EVENT_TYPES.inventoryFailed,
    { group: 'inventory', summary: 'Routing found no hub with the stock (or capacity) for an order: it went on hold', data: orderData({ hold_reason: z.string(), candidates: z.number().int() }) },
  ],
  [
    EVENT_TYPES.inventoryUpdated,
    { group: 'inventory', summary: 'On-hand stock of a SKU at a hub was set, adjusted or transferred', data: z.object({ ...StockRow, change: z.string(), delta: z.number().nullable() }).passthrough() },
  ],
  [EVENT_TYPES.inventoryLowStock, { group: 'inventory', summary: "A SKU's available stock at a hub fell under the tenant's threshold", data: z.object({ ...StockRow, threshold: z.number() }) }],
  [EVENT_TYPES.shipmentCreated, { group: 'shipment', summary: 'A shipment (courier, AWB) was created for an order (fulfilment_id: for one part of a split order)', data: orderData({ shipment: ShipmentRef, fulfilment_id: z.string().optional() }) }],
  [
    EVENT_TYPES.fulfilmentStatusChanged,
    {
      group: 'order',
      summary: "One part of a split order moved (its own WMS or courier event); the order's status follows from its parts",
      data: orderData({ fulfilment_id: z.string(), hub_code: z.string(), from: z.string(), to: z.string(), actor: z.string() }),
    },
  ],
  [
    EVENT_TYPES.shipmentUpdated,
    {
      group: 'shipment',
      summary: 'A shipment changed (courier scan, WMS report, edit)',
      data: orderData({
        shipment: ShipmentRef,
        fulfilment_id: z.string().optional(),
        tracking: z
          .record(z.string(), z.unknown())
          .optional()
          .meta({ description: 'A courier scan: {status, at, location}; status is IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED or FAILED (IN_TRANSIT and OUT_FOR_DELIVERY do not move the order)' }),
      }),
    },
  ],
  [EVENT_TYPES.returnCreated, { group: 'return', summary: 'A return was requested for an order', data: orderData({ return: z.record(z.string(), z.unknown()) }) }],
  [
    EVENT_TYPES.bulkJobProgress,
    { group: 'bulk_job', summary: 'Progress of a bulk action job', data: z.object({ job_id: z.string(), status: z.string() }).passthrough() },
  ],
]);

/**
 * Adds an event to the catalogue (and so to /asyncapi.json). Domains that bring their own events
 * (payments: `payment.*.v1`) call this where they define them; a name registered twice is a bug.
 */
export function registerEventDefinition(name: string, definition: EventDefinition): void {
  if (EVENT_DEFINITIONS.has(name)) throw new Error(`event ${name} is defined twice`);
  EVENT_DEFINITIONS.set(name, definition);
}

export function eventDefinitions(): ReadonlyMap<string, EventDefinition> {
  return EVENT_DEFINITIONS;
}

// ---------------------------------------------------------------------------------------------
// Payments (core/payment). Every payment event an order accepts emits its `payment.<type>.v1`
// and `order.payment.updated.v1`, through the order outbox, in the same write as the change.
// ---------------------------------------------------------------------------------------------

export const PAYMENT_EVENT_TYPES = {
  authorized: 'payment.authorized.v1',
  paid: 'payment.paid.v1',
  failed: 'payment.failed.v1',
  refunded: 'payment.refunded.v1',
  cod_collected: 'payment.cod_collected.v1',
  /** A prepaid order not paid within the tenant's reservation timeout was cancelled (its holds released). */
  timed_out: 'payment.timed_out.v1',
  orderPaymentUpdated: 'order.payment.updated.v1',
} as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[keyof typeof PAYMENT_EVENT_TYPES];

/**
 * `data` of every payment event, beside `order` (the compact order state every event carries):
 * the payment event that was applied and the payment as it is after it.
 */
export interface PaymentEventData {
  payment_event: {
    event_id: string;
    type: 'authorized' | 'paid' | 'failed' | 'refunded' | 'cod_collected' | 'timed_out';
    amount: number | null;
    reference: string | null;
    reason: string | null;
    source: string;
  };
  payment: Record<string, unknown>;
  /** What the event did to the order: `approved_hold_cleared` is the relay's, not the event's. */
  order_effect: 'none' | 'cancelled' | 'held' | 're_evaluate';
}

const PaymentEventRecord = z.object({
  payment_event: z.object({
    event_id: z.string(),
    type: z.enum(['authorized', 'paid', 'failed', 'refunded', 'cod_collected', 'timed_out']),
    amount: z.number().nullable(),
    reference: z.string().nullable(),
    reason: z.string().nullable(),
    source: z.string(),
  }),
  payment: z.record(z.string(), z.unknown()),
  order_effect: z.enum(['none', 'cancelled', 'held', 're_evaluate']),
});
const PAYMENT_SUMMARIES: Record<keyof typeof PAYMENT_EVENT_TYPES, string> = {
  authorized: 'A payment was authorized for an order',
  paid: 'A prepaid order was paid (captured); an order held for payment is re-evaluated',
  failed: 'A payment failed; after approval the order is cancelled or held per tenant setting',
  refunded: 'Part or all of what was paid was refunded (never more than was paid)',
  cod_collected: 'Cash on delivery was collected',
  timed_out: 'A prepaid order stayed unpaid past the reservation timeout and was cancelled',
  orderPaymentUpdated: "An order's payment changed (with every payment.*.v1)",
};
for (const [key, name] of Object.entries(PAYMENT_EVENT_TYPES) as [keyof typeof PAYMENT_EVENT_TYPES, string][]) {
  registerEventDefinition(name, { group: 'payment', summary: PAYMENT_SUMMARIES[key], data: orderData(PaymentEventRecord.shape) });
}
registerEventDefinition(EVENT_TYPES.returnReceived, { group: 'return', summary: 'A return reached the hub (received)', data: orderData({ return: z.record(z.string(), z.unknown()) }) });
for (const [name, summary] of [
  [EVENT_TYPES.orderSlaAtRisk, 'An order used most of a stage window (approve, ship or deliver) without finishing it'],
  [EVENT_TYPES.orderSlaBreached, 'An order missed a stage deadline (approve, ship or deliver)'],
] as const) {
  registerEventDefinition(name, {
    group: 'order',
    summary,
    data: orderData({
      stage: z.enum(['approve', 'ship', 'deliver']),
      due_at: z.string(),
      started_at: z.string(),
      hub_code: z.string().nullable(),
      fulfilment_id: z.string().optional().meta({ description: "A split order's part whose clock it is (absent: the order's own clock)" }),
    }),
  });
}
