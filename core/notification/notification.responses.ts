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
