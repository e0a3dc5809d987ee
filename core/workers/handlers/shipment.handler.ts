import { z } from 'zod';
import { tenantScope } from '../../domain/tenant-scope.js';
import type { FulfillmentService } from '../../fulfillment/fulfillment.service.js';
import type { MessageHandler } from '../runtime/listener.js';

/** The stages a WMS reports on oms-shipment-queue (API.md). */
export const WMS_STATUSES = ['picking', 'picked', 'packing', 'packed', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin'] as const;

const id = z.string().trim().min(1).max(200);
export const ShipmentMessage = z.object({
  event: z.literal('order_status_update'),
  tenant_id: id,
  seller_id: id,
  order_id: id,
  status: z.enum(WMS_STATUSES),
  occurred_at: z.iso.datetime({ offset: true }),
  shipment: z
    .object({ awb: z.string().trim().min(1).max(64), courier: z.string().trim().min(1).max(100), tracking_url: z.string().url().max(2000).nullable().optional() })
    .nullable()
    .optional(),
});
export type ShipmentMessage = z.infer<typeof ShipmentMessage>;

/**
 * oms-shipment-queue: a WMS's order_status_update. Validates (a ZodError dead-letters the message
 * with its fields) and hands the report to FulfillmentService. A move the transition table
 * forbids is `invalid_transition`, not retryable: dead-lettered with its reason, nothing written.
 */
export function shipmentHandler(fulfillment: FulfillmentService): MessageHandler {
  return {
    kind: 'single',
    async handle(message, ctx) {
      const msg = ShipmentMessage.parse(message.body);
      const { outcome, order } = await fulfillment.report(
        tenantScope(msg.tenant_id),
        msg.order_id,
        {
          to: msg.status,
          actor: 'wms',
          key: `wms:${msg.status}:${new Date(msg.occurred_at).toISOString()}`,
          occurredAt: new Date(msg.occurred_at),
          ...(msg.shipment ? { shipment: { awb: msg.shipment.awb, courier: msg.shipment.courier, tracking_url: msg.shipment.tracking_url ?? null } } : {}),
        },
        msg.seller_id,
      );
      ctx.logger.info({ order_id: order.id, reported: msg.status, status: order.status, outcome }, 'wms status report handled');
    },
  };
}
