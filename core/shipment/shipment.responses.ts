import { z } from 'zod';
import { ErrorBody, Timestamp } from '../../router/openapi/schemas.js';
import { SHIPMENT_STATUSES } from './shipment.types.js';

/** Shipments as the API answers them (`toShipmentView`, the bulk and webhook answers), for the OpenAPI documents. */

const Location = z.object({ lat: z.number(), lng: z.number() }).strict();

export const ShipmentView = z
  .object({
    id: z.string(),
    seller_id: z.string(),
    order_id: z.string().meta({ description: 'The OMS order id' }),
    fulfilment_id: z.string().optional().meta({ description: 'The part of a split order this shipment carries (absent on single-hub orders)' }),
    courier: z.string(),
    awb: z.string(),
    tracking_url: z.string().nullable(),
    status: z.enum(SHIPMENT_STATUSES),
    tracking: z.array(
      z.object({ source: z.enum(['courier', 'wms']), status: z.string(), at: Timestamp, location: Location.nullable(), received_at: Timestamp }).strict(),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'Shipment' });

/** One line of a bulk registration: the shipment, or the error that line alone got. */
export const BulkShipmentResultView = z
  .object({
    data: z.array(
      z.union([
        z.object({ order_id: z.string(), status: z.literal('created'), shipment: ShipmentView }).strict(),
        z.object({ order_id: z.string(), status: z.literal('failed'), error: ErrorBody.shape.error.omit({ request_id: true }) }).strict(),
      ]),
    ),
    meta: z.object({ created: z.number().int(), failed: z.number().int() }).strict(),
  })
  .strict();

export const CourierWebhookResultView = z
  .object({
    shipment_id: z.string(),
    awb: z.string(),
    fulfilment_id: z.string().optional().meta({ description: 'The part of a split order the scan moved (absent on single-hub orders)' }),
    status: z.enum(SHIPMENT_STATUSES),
    outcome: z.enum(['applied', 'recorded', 'duplicate', 'stale']).meta({
      description: 'applied: moved the order; recorded: kept on the shipment only; duplicate: this report was already stored; stale: older than the current stage',
    }),
  })
  .strict()
  .meta({ id: 'CourierWebhookResult' });

/** A tenant's courier integration (toIntegrationView): its secrets are listed by id, never shown but once. */
export const CourierIntegrationView = z
  .object({
    id: z.string(),
    courier: z.string(),
    created_at: Timestamp,
    secrets: z.array(z.object({ id: z.string(), created_at: Timestamp, expires_at: Timestamp.nullable() })),
  })
  .meta({ id: 'CourierIntegration' });

export const IssuedCourierIntegrationView = CourierIntegrationView.extend({ secret: z.string().meta({ description: 'The signing secret (whsec_…): shown this once' }) });
