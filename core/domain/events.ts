/** Outbound event names of API.md: the same names on the order-updates queue and on Pusher. */
export const EVENT_TYPES = {
  orderCreated: 'order.created.v1',
  orderStatusChanged: 'order.status_changed.v1',
  orderHubAssigned: 'order.hub_assigned.v1',
  orderUpdated: 'order.updated.v1',
  shipmentUpdated: 'shipment.updated.v1',
  returnCreated: 'return.created.v1',
  returnReceived: 'return.received.v1',
  inventoryLowStock: 'inventory.low_stock.v1',
  bulkJobProgress: 'bulk_job.progress.v1',
  // courier booking and SLA clocks (issue 16)
  shipmentCreated: 'shipment.created.v1',
  orderSlaAtRisk: 'order.sla_at_risk.v1',
  orderSlaBreached: 'order.sla_breached.v1',
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

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

/** The envelope on oms-order-updates-queue. */
export interface OutboundEvent {
  event_id: string;
  event: string;
  occurred_at: string;
  tenant_id: string;
  seller_id: string;
  order_id: string | null;
  data: Record<string, unknown>;
}
