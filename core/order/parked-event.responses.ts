import { z } from 'zod';
import { Timestamp } from '../../router/openapi/schemas.js';
import type { ParkedEvent } from './parked-event.repository.js';

/** An outgoing event the topic refused for good (toParkedEventView); the envelope is what was published. */
export const ParkedEventView = z
  .object({
    event_id: z.string(),
    event: z.string(),
    order_id: z.string(),
    seller_id: z.string(),
    sequence: z.number().int().nullable(),
    status: z.enum(['failing', 'parked', 'replayed']),
    attempts: z.number().int(),
    reason: z.string(),
    envelope: z.record(z.string(), z.unknown()),
    first_failed_at: Timestamp,
    parked_at: Timestamp.nullable(),
    replayed_at: Timestamp.nullable(),
  })
  .meta({ id: 'ParkedEvent' });

export const ReplayedEventView = ParkedEventView.extend({ outcome: z.enum(['sent', 'failed']) });

export function toParkedEventView(record: ParkedEvent): z.input<typeof ParkedEventView> {
  return {
    event_id: record.id,
    event: record.event,
    order_id: record.order_id,
    seller_id: record.seller_id,
    sequence: record.sequence,
    status: record.status,
    attempts: record.attempts,
    reason: record.reason,
    envelope: record.envelope as unknown as Record<string, unknown>,
    first_failed_at: record.first_failed_at.toISOString(),
    parked_at: record.parked_at?.toISOString() ?? null,
    replayed_at: record.replayed_at?.toISOString() ?? null,
  };
}
