import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import type { ShipmentService } from './shipment.service.js';
import { toShipmentView } from './shipment.types.js';

const code = z.string().trim().min(1).max(100);
const trackingUrl = z.string().trim().url().max(2000).nullable();
export const CreateShipmentBody = z.object({ order_id: code, courier: code, awb: z.string().trim().regex(/^[A-Za-z0-9_-]{3,64}$/, 'letters, digits, _ and -, 3 to 64'), tracking_url: trackingUrl.optional() }).strict();
const UpdateShipmentBody = z
  .object({ courier: code.optional(), awb: CreateShipmentBody.shape.awb.optional(), tracking_url: trackingUrl.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of courier, awb, tracking_url' });
const BulkBody = z.object({ shipments: z.array(CreateShipmentBody).min(1).max(100) }).strict();
const ShipmentParams = z.object({ seller_id: z.string(), shipment_id: z.string().min(1).max(200) });

export function registerShipmentRoutes(seller: SellerRoutes, shipments: ShipmentService): void {
  seller.add(
    { method: 'post', path: '/shipments', summary: 'Register a waybill (courier, AWB) for an order', tag: 'shipments', status: 201, body: CreateShipmentBody, errors: { 409: 'the order has another shipment, or cannot ship in its status' } },
    async ({ body, caller }) => {
      const { shipment, created } = await shipments.create(caller.scope!, body);
      return { status: created ? 201 : 200, body: { data: toShipmentView(shipment) } };
    },
  );
  seller.add(
    { method: 'post', path: '/shipments/bulk', summary: 'Register up to 100 waybills; answered per item', tag: 'shipments', body: BulkBody },
    async ({ body, caller }) => {
      const results = await shipments.createMany(caller.scope!, body.shipments);
      return {
        body: {
          data: results.map((r) =>
            r.ok
              ? { order_id: r.order_id, status: 'created', shipment: toShipmentView(r.shipment) }
              : { order_id: r.order_id, status: 'failed', error: { code: r.error.code, message: r.error.message, details: r.error.details } },
          ),
          meta: { created: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length },
        },
      };
    },
  );
  seller.add(
    { method: 'get', path: '/shipments/:shipment_id', summary: 'A shipment with its tracking points', tag: 'shipments', params: ShipmentParams },
    async ({ params, caller }) => ({ body: { data: toShipmentView(await shipments.get(caller.scope!, params.shipment_id)) } }),
  );
  seller.add(
    { method: 'put', path: '/shipments/:shipment_id', summary: 'Change courier, AWB or tracking URL', tag: 'shipments', params: ShipmentParams, body: UpdateShipmentBody },
    async ({ params, body, caller }) => ({ body: { data: toShipmentView(await shipments.update(caller.scope!, params.shipment_id, body)) } }),
  );
}
