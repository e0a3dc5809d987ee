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
} as const;
export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

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
