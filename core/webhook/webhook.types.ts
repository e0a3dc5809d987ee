import { createHash } from 'node:crypto';
import { z } from 'zod';
import { registerEventDefinition, type OutboundEvent } from '../domain/events.js';

/** The event that tells a seller one of their endpoints was disabled (also pushed on their Pusher channel). */
export const WEBHOOK_ENDPOINT_DISABLED = 'webhook.endpoint_disabled.v1';
registerEventDefinition(WEBHOOK_ENDPOINT_DISABLED, {
  group: 'webhook',
  summary: "A seller's webhook endpoint kept failing and was disabled; its waiting deliveries were parked",
  data: z.object({ endpoint_id: z.string(), url: z.string(), reason: z.string(), disabled_at: z.string().nullable(), parked_deliveries: z.number().int() }),
});

/** Who a webhook call acts for: a seller (API), or the tenant's operator (sellerId null: CLI). */
export interface WebhookScope {
  tenantId: string;
  sellerId: string | null;
}

export type EndpointStatus = 'enabled' | 'disabled';

export interface WebhookEndpoint {
  id: string;
  tenant_id: string;
  seller_id: string;
  url: string;
  description: string | null;
  /** null: every event. */
  event_types: string[] | null;
  status: EndpointStatus;
  disabled_reason: string | null;
  disabled_at: Date | null;
  /** The signing secret, sealed (SecretBox); the previous one too while a rotation's grace lasts. */
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  consecutive_failures: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * pending: waiting for its next attempt (or for an earlier event of its order); sending: claimed
 * by a dispatcher until next_attempt_at (its lease); delivered; parked: out of attempts or time,
 * or its endpoint was disabled (replayable).
 */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'parked';

export interface WebhookDelivery {
  id: string;
  tenant_id: string;
  seller_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  order_id: string | null;
  /** What deliveries are ordered by: the order, or (no order) the event itself. */
  order_key: string;
  occurred_at: Date;
  /** The event's per-order sequence when it carries one (tie-breaker after occurred_at). */
  sequence: number | null;
  event: OutboundEvent;
  status: DeliveryStatus;
  /** Attempts since it was recorded or last replayed. */
  attempts: number;
  next_attempt_at: Date | null;
  /** Retries stop once retry_window_ms passed since this (recorded or replayed). */
  window_started_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttempt {
  id: string;
  tenant_id: string;
  seller_id: string;
  endpoint_id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  order_id: string | null;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  at: Date;
}

/** One delivery per (endpoint, event): its id is derived from both, so recording it twice is a no-op. */
export function deliveryId(endpointId: string, eventId: string): string {
  return `whd_${createHash('sha256').update(`${endpointId}\n${eventId}`).digest('hex').slice(0, 24)}`;
}

export function matches(endpoint: Pick<WebhookEndpoint, 'event_types'>, eventType: string): boolean {
  return endpoint.event_types === null || endpoint.event_types.includes(eventType);
}

/** Which of two deliveries of one order goes first. */
export function before(a: Pick<WebhookDelivery, 'occurred_at' | 'sequence' | 'created_at' | 'id'>, b: typeof a): boolean {
  const t = a.occurred_at.getTime() - b.occurred_at.getTime();
  if (t !== 0) return t < 0;
  if (a.sequence !== null && b.sequence !== null && a.sequence !== b.sequence) return a.sequence < b.sequence;
  const c = a.created_at.getTime() - b.created_at.getTime();
  if (c !== 0) return c < 0;
  return a.id < b.id;
}

export function toEndpointView(e: WebhookEndpoint) {
  return {
    id: e.id,
    seller_id: e.seller_id,
    url: e.url,
    description: e.description,
    event_types: e.event_types,
    status: e.status,
    disabled_reason: e.disabled_reason,
    disabled_at: e.disabled_at?.toISOString() ?? null,
    consecutive_failures: e.consecutive_failures,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}

export function toDeliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    endpoint_id: d.endpoint_id,
    event_id: d.event_id,
    event_type: d.event_type,
    order_id: d.order_id,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? (d.next_attempt_at?.toISOString() ?? null) : null,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    occurred_at: d.occurred_at.toISOString(),
    delivered_at: d.delivered_at?.toISOString() ?? null,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

export function toAttemptView(a: WebhookAttempt) {
  return {
    id: a.id,
    delivery_id: a.delivery_id,
    event_id: a.event_id,
    event_type: a.event_type,
    order_id: a.order_id,
    attempt: a.attempt,
    outcome: a.outcome,
    status_code: a.status_code,
    latency_ms: a.latency_ms,
    error: a.error,
    at: a.at.toISOString(),
  };
}
