import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** A seller's webhook endpoint (toEndpointView); its secret only in IssuedWebhookEndpoint. */
export const WebhookEndpointView = z
  .object({
    id: z.string(),
    seller_id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()).nullable().meta({ description: 'null: every event' }),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.string().nullable(),
    disabled_at: Timestamp.nullable(),
    consecutive_failures: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'WebhookEndpoint' });

export const IssuedWebhookEndpointView = WebhookEndpointView.extend({
  secret: z.string().meta({ description: 'The Standard Webhooks signing secret (whsec_…), shown only in this answer' }),
})
  .strict()
  .meta({ id: 'IssuedWebhookEndpoint' });

export const WebhookDeliveryView = z
  .object({
    id: z.string(),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    order_id: z.string().nullable(),
    status: z.enum(['pending', 'sending', 'delivered', 'parked']),
    attempts: z.number().int().meta({ description: 'Attempts since it was recorded or last replayed' }),
    next_attempt_at: Timestamp.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    occurred_at: Timestamp,
    delivered_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .strict()
  .meta({ id: 'WebhookDelivery' });

export const WebhookAttemptView = z
  .object({
    id: z.string(),
    delivery_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    order_id: z.string().nullable(),
    attempt: z.number().int(),
    outcome: z.enum(['succeeded', 'failed']),
    status_code: z.number().int().nullable().meta({ description: "The endpoint's HTTP status; null when no answer came (refused, timed out, connection failed)" }),
    latency_ms: z.number().int(),
    error: z.string().nullable(),
    at: Timestamp,
  })
  .strict()
  .meta({ id: 'WebhookAttempt' });

export const WebhookReplayView = z.object({ replayed: z.number().int() }).strict().meta({ id: 'WebhookReplay' });
