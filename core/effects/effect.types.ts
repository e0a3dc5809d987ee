import type { OutboundEvent } from '../domain/events.js';

/** How an effect of an event stands, once it failed at least once (a first-time success leaves no record). */
export type EffectStatus = 'pending' | 'parked' | 'sent';

export interface EffectRecord {
  /** `{event_id}:{effect}`: the same key as the ledger's. */
  id: string;
  tenant_id: string;
  seller_id: string;
  order_id: string | null;
  effect: string;
  /** The whole event, so a retry needs nothing but this record. */
  event: OutboundEvent;
  status: EffectStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

export function effectKey(eventId: string, effect: string): string {
  return `${eventId}:${effect}`;
}

export function toEffectView(record: EffectRecord): Record<string, unknown> {
  return {
    id: record.id,
    effect: record.effect,
    event_id: record.event.event_id,
    event: record.event.event,
    order_id: record.order_id,
    seller_id: record.seller_id,
    status: record.status,
    attempts: record.attempts,
    next_attempt_at: record.next_attempt_at?.toISOString() ?? null,
    last_error: record.last_error,
    updated_at: record.updated_at.toISOString(),
  };
}
