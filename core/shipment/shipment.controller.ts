import { z } from 'zod';
import type { SellerRoutes } from '../../router/app.js';
import type { ShipmentService } from './shipment.service.js';
import { toShipmentView } from './shipment.types.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { BulkShipmentResultView, ShipmentView } from './shipment.responses.js';

const code = z.string().trim().min(1).max(100);
const trackingUrl = z.string().trim().url().max(2000).nullable();
export const CreateShipmentBody = z
  .object({
    order_id: code,
    fulfilment_id: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: "The part of a split order the waybill is for (required on a split order; a one-part order's part id is its order id)" }),
    courier: code,
    awb: z.string().trim().regex(/^[A-Za-z0-9_-]{3,64}$/, 'letters, digits, _ and -, 3 to 64'),
    tracking_url: trackingUrl.optional(),
  })
  .strict();
const UpdateShipmentBody = z
  .object({ courier: code.optional(), awb: CreateShipmentBody.shape.awb.optional(), tracking_url: trackingUrl.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of courier, awb, tracking_url' });
const BulkBody = z.object({ shipments: z.array(CreateShipmentBody).min(1).max(100) }).strict();
const SHIPMENT_EXAMPLE = { order_id: 'ord_01HZX3K4', courier: 'smsa', awb: 'AWB-112233', tracking_url: 'https://track.example.com/AWB-112233' };
const ShipmentParams = z.object({ seller_id: z.string(), shipment_id: z.string().min(1).max(200) });

export function registerShipmentRoutes(seller: SellerRoutes, shipments: ShipmentService): void {
  seller.add(
    {
      method: 'post',
      path: '/shipments',
      operationId: 'createShipment',
      summary: 'Register a waybill (courier, AWB) for an order',
      tag: 'shipments',
      status: 201,
      body: CreateShipmentBody,
      example: SHIPMENT_EXAMPLE,
      response: dataOf(ShipmentView),
      alsoAnswers: { 200: 'the same waybill was already registered for the order: the existing shipment' },
      errors: {
        400: 'a split order without fulfilment_id',
        404: 'no such order, or no such part of it',
        409: 'the order (or the part) has another shipment, or cannot ship in its status',
      },
    },
    async ({ body, caller }) => {
      const { shipment, created } = await shipments.create(caller.scope!, body);
      return { status: created ? 201 : 200, body: { data: toShipmentView(shipment) } };
    },
  );
  seller.add(
    {
      method: 'post',
      path: '/shipments/bulk',
      operationId: 'createShipmentsBulk',
      summary: 'Register up to 100 waybills; answered per item',
      tag: 'shipments',
      body: BulkBody,
      example: { shipments: [SHIPMENT_EXAMPLE, { order_id: 'ord_01HZX3K5', courier: 'aramex', awb: 'AWB-778899' }] },
      response: BulkShipmentResultView,
    },
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
    { method: 'get', path: '/shipments/:shipment_id', operationId: 'getShipment', summary: 'A shipment with its tracking points', tag: 'shipments', params: ShipmentParams, response: dataOf(ShipmentView) },
    async ({ params, caller }) => ({ body: { data: toShipmentView(await shipments.get(caller.scope!, params.shipment_id)) } }),
  );
  seller.add(
    {
      method: 'put',
      path: '/shipments/:shipment_id',
      operationId: 'updateShipment',
      summary: 'Change courier, AWB or tracking URL',
      tag: 'shipments',
      params: ShipmentParams,
      body: UpdateShipmentBody,
      example: { tracking_url: 'https://track.example.com/AWB-112233' },
      response: dataOf(ShipmentView),
    },
    async ({ params, body, caller }) => ({ body: { data: toShipmentView(await shipments.update(caller.scope!, params.shipment_id, body)) } }),
  );
}
