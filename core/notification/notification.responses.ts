import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import { NOTIFICATION_CHANNELS } from './notification.adapters.js';
import { CUSTOMER_STAGES } from './notification.templates.js';

/** The wording used for one stage on one channel: the tenant's, or the built-in default. */
export const NotificationTemplateView = z
  .object({
    stage: z.enum(CUSTOMER_STAGES),
    channel: z.enum(NOTIFICATION_CHANNELS as [string, ...string[]]),
    subject: z.string().nullable().meta({ description: 'E-mail subject or push title (Handlebars, not escaped); null for SMS' }),
    body: z.string().meta({ description: 'Handlebars; e-mail bodies are HTML with every {{value}} escaped' }),
    source: z.enum(['default', 'tenant']),
    updated_at: Timestamp.nullable(),
  })
  .strict()
  .meta({ id: 'NotificationTemplate' });

/** A customer notification sent or attempted (one per event and channel). */
export const NotificationView = z
  .object({
    id: z.string(),
    order_id: z.string(),
    event_id: z.string(),
    stage: z.string(),
    channel: z.string(),
    recipient: z.string(),
    template: z.enum(['default', 'tenant']),
    subject: z.string().nullable(),
    status: z.enum(['sent', 'failed']),
    error: z.string().nullable().meta({ description: 'Why the last attempt failed (null once sent)' }),
    attempts: z.number().int(),
    created_at: Timestamp,
    sent_at: Timestamp.nullable(),
  })
  .strict()
  .meta({ id: 'Notification' });
