import { z } from 'zod';
import type { HandlerGroup } from '../workers/runtime/handler-group.js';
import type { FulfillmentService } from './fulfillment.service.js';

/** The stages a WMS reports on oms-shipment-queue (API.md). */
export const WMS_STATUSES = ['picking', 'picked', 'packing', 'packed', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin'] as const;

const id = z.string().trim().min(1).max(200);
export const ShipmentMessage = z.object({
  event: z.literal('order_status_update'),
  order_id: id,
  /** The part of a split order the report is about (docs/adr/0020); optional for a one-part order. */
  fulfilment_id: id.optional(),
  status: z.enum(WMS_STATUSES),
  occurred_at: z.iso.datetime({ offset: true }),
  shipment: z
    .object({ awb: z.string().trim().min(1).max(64), courier: z.string().trim().min(1).max(100), tracking_url: z.string().url().max(2000).nullable().optional() })
    .nullable()
    .optional(),
});

/**
 * oms-shipment-queue: a WMS's order_status_update, handed to FulfillmentService. A move the
 * transition table forbids is `invalid_transition`, not retryable: dead-lettered with its
 * reason, nothing written.
 */
export function registerFulfillmentHandlers(queues: HandlerGroup, fulfillment: FulfillmentService): void {
  queues.add('shipment', ShipmentMessage, async ({ msg, scope, ctx }) => {
    const occurredAt = new Date(msg.occurred_at);
    const { outcome, order } = await fulfillment.report(
      scope,
      msg.order_id,
      {
        to: msg.status,
        actor: 'wms',
        key: `wms:${msg.status}:${occurredAt.toISOString()}`,
        occurredAt,
        fulfilmentId: msg.fulfilment_id ?? null,
        ...(msg.shipment ? { shipment: { awb: msg.shipment.awb, courier: msg.shipment.courier, tracking_url: msg.shipment.tracking_url ?? null } } : {}),
      },
      scope.sellerId,
    );
    ctx.logger.info({ order_id: order.id, fulfilment_id: msg.fulfilment_id, reported: msg.status, status: order.status, outcome }, 'wms status report handled');
  });
}
