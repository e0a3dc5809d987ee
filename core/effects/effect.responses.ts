import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';

/** An effect of an event that failed at least once (toEffectView). */
export const EffectView = z
  .object({
    id: z.string(),
    effect: z.string(),
    event_id: z.string(),
    event: z.string(),
    order_id: z.string().nullable(),
    seller_id: z.string(),
    status: z.enum(['pending', 'parked', 'sent']),
    attempts: z.number().int(),
    next_attempt_at: Timestamp.nullable(),
    last_error: z.string().nullable(),
    updated_at: Timestamp,
  })
  .meta({ id: 'Effect' });

export const ReplayedEffectView = EffectView.extend({ outcome: z.enum(['sent', 'already_sent', 'held', 'pending', 'parked']) });
