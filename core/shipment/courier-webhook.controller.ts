import type { Middleware } from 'koa';
import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { AppError } from '../domain/errors.js';
import type { CourierTrackingService } from './courier-tracking.service.js';
import { COURIER_STATUSES } from './shipment.types.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { CourierWebhookResultView } from './shipment.responses.js';

const WebhookBody = z
  .object({
    status: z.enum(COURIER_STATUSES),
    timestamp: z.iso.datetime({ offset: true }),
    location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).strict().nullable().optional(),
  })
  .strip();

export interface ScanWindow {
  /** A scan may be dated at most this far ahead of now (clock skew). */
  future_s: number;
  /** A scan older than this is refused, not applied: no 1971 scan after a 2099 one. */
  max_age_hours: number;
}

/**
 * `auth` verifies the call's signature over the raw body and then parses it (see
 * courier-webhook.auth.ts), so an unsigned request learns nothing about what a valid body is.
 */
export function registerCourierWebhook(open: RouteGroup, tracking: CourierTrackingService, auth: Middleware[], window: ScanWindow): void {
  open.add(
    {
      method: 'post',
      path: '/v1/shipments/:id/status',
      operationId: 'reportCourierStatus',
      response: dataOf(CourierWebhookResultView),
      example: { status: 'IN_TRANSIT', timestamp: '2026-01-01T10:00:00Z', location: { lat: 24.7, lng: 46.6 } },
      // The signature is this route's credential: no security scheme, the headers are the contract.
      headers: z.object({
        'webhook-id': z.string().min(1).max(200).meta({ description: 'Unique per delivery; a replayed id is applied once' }),
        'webhook-timestamp': z.string().regex(/^\d+$/).meta({ description: 'Unix seconds; refused outside a 5-minute tolerance' }),
        'webhook-signature': z.string().min(1).meta({ description: "Standard Webhooks signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>) with the secret of the tenant's courier integration; a shipment of another tenant is 404" }),
      }),
      summary:
        'Courier status webhook; {id} is the shipment id or its AWB. Signed in the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature) with the secret of the tenant\'s courier integration',
      tag: 'courier',
      params: z.object({ id: z.string().min(1).max(200) }),
      body: WebhookBody,
      before: auth,
      errors: { 401: 'bad or missing signature headers, or a timestamp outside 5 minutes', 404: 'no such shipment for this signing secret', 409: 'the order cannot take this status (e.g. it was cancelled)' },
    },
    async ({ params, body }) => {
      const at = new Date(body.timestamp);
      const now = Date.now();
      if (at.getTime() > now + window.future_s * 1000) throw AppError.validation([{ field: 'timestamp', message: 'is in the future' }]);
      if (at.getTime() < now - window.max_age_hours * 3600_000) throw AppError.validation([{ field: 'timestamp', message: `is more than ${window.max_age_hours} hours old` }]);
      const { shipment, outcome } = await tracking.record(params.id, { status: body.status, timestamp: at, location: body.location ?? null });
      return { body: { data: { shipment_id: shipment.id, awb: shipment.awb, ...(shipment.fulfilment_id ? { fulfilment_id: shipment.fulfilment_id } : {}), status: shipment.status, outcome } } };
    },
  );
}
