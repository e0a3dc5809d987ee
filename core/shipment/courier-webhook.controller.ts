import type { Middleware } from 'koa';
import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { AppError } from '../domain/errors.js';
import { verifyCourierSignature } from './courier-signature.js';
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

/** Runs before body validation: an unsigned request learns nothing about what a valid body is. */
function courierSignature(secret: string): Middleware {
  return async (ctx, next) => {
    const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
    if (!verifyCourierSignature(secret, raw, ctx.get('x-signature'))) throw new AppError('unauthorized', 'missing or invalid X-Signature');
    await next();
  };
}

export function registerCourierWebhook(open: RouteGroup, tracking: CourierTrackingService, config: { webhook_secret: string }): void {
  open.add(
    {
      method: 'post',
      path: '/v1/shipments/:id/status',
      operationId: 'reportCourierStatus',
      response: dataOf(CourierWebhookResultView),
      example: { status: 'IN_TRANSIT', timestamp: '2026-01-01T10:00:00Z', location: { lat: 24.7, lng: 46.6 } },
      // The signature is this route's credential: no security scheme, the header is the contract.
      headers: z.object({
        'x-signature': z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .meta({ description: "hex(HMAC-SHA256(secret of the tenant's courier integration, raw request body)). Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) are planned" }),
      }),
      summary: 'Courier status webhook; {id} is the shipment id or its AWB. Signed: X-Signature = hex HMAC-SHA256 of the raw body',
      tag: 'courier',
      params: z.object({ id: z.string().min(1).max(200) }),
      body: WebhookBody,
      before: [courierSignature(config.webhook_secret)],
      errors: { 401: 'bad or missing signature', 409: 'the order cannot take this status (e.g. it was cancelled)' },
    },
    async ({ params, body }) => {
      const { shipment, outcome } = await tracking.record(params.id, { status: body.status, timestamp: new Date(body.timestamp), location: body.location ?? null });
      return { body: { data: { shipment_id: shipment.id, awb: shipment.awb, status: shipment.status, outcome } } };
    },
  );
}
