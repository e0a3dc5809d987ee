import { AppError, isAppError } from '../domain/errors.js';
import { EVENT_SCHEMA_VERSION, type OutboundEvent } from '../domain/events.js';
import type { Order, OutboxEvent } from '../domain/order.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import type { EventPublisher } from '../platform/event-stream.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { OrderRepository } from './order.repository.js';
import type { ParkedEvent, ParkedEventRepository } from './parked-event.repository.js';

/** The envelope of API.md for one outbox event. */
export function toOutboundEvent(order: Order, event: OutboxEvent): OutboundEvent {
  return {
    event_id: event.event_id,
    event: event.type,
    schema_version: EVENT_SCHEMA_VERSION,
    occurred_at: new Date(event.occurred_at).toISOString(),
    tenant_id: order.tenant_id,
    seller_id: order.seller_id,
    order_id: order.id,
    sequence: event.sequence ?? null,
    data: event.payload,
  };
}

/**
 * A follow-up an event stands for (route a new order, release a cancelled order's stock), run
 * by the relay before the event leaves the outbox. Registered by the module that reacts, so the
 * order module needs no knowledge of stock or routing. Must be idempotent: a crash after it ran
 * and before the event left the outbox runs it again.
 */
export type FollowUp = (order: Order, event: OutboxEvent) => Promise<void>;

/** How the relay parks what can never be sent (configs: events.max_publish_attempts). */
export interface Parking {
  repo: ParkedEventRepository;
  maxAttempts: number;
}

/** What became of a replayed parked event. */
export interface ReplayOutcome {
  outcome: 'sent' | 'failed';
  record: ParkedEvent;
}

/**
 * Relays an order's outbox: runs the follow-ups registered for each event, publishes the events
 * to the `oms-events` topic (the OMS's own order-updates queue is one subscriber), then removes
 * them from the document. Because an event leaves the outbox only after all of that succeeded, a
 * crash anywhere in between is repaired by the next relay (the sweeper); the price is an
 * occasional duplicate, which consumers drop by event_id and the follow-ups tolerate by contract.
 *
 * Each event stands alone: one the topic refuses (or whose follow-up fails) stays behind while
 * the others go, and consumers put them back in order by `sequence`. A refusal the topic calls
 * permanent (too large, invalid) is counted per event; after `maxAttempts` the event is parked
 * (ParkedEventRepository), taken out of the outbox and noted on the order's timeline, so it
 * never holds the order back. An outage is not counted: those events wait for the sweeper.
 *
 * Follow-ups ride on events rather than being called after the write so that they cannot be lost.
 */
export class OrderEventRelay {
  /** Tenant -> when this process last relayed (or tried to relay) one of its orders. */
  private readonly touched = new Map<string, number>();
  private readonly followUps: FollowUp[] = [];
  /** Events this process counted as failing: if one goes out after all, its record is dropped. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly repo: OrderRepository,
    private readonly publisher: EventPublisher,
    private readonly parking: Parking,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Registers a follow-up (see FollowUp); modules do this while they are built. */
  onEvent(followUp: FollowUp): void {
    this.followUps.push(followUp);
  }

  /** Relays the events at least `minAgeMs` old (0: all); returns how many were published. */
  async relay(order: Order, minAgeMs = 0): Promise<number> {
    this.touched.set(order.tenant_id, Date.now());
    const cutoff = Date.now() - minAgeMs;
    const due = order.outbox.filter((e) => new Date(e.occurred_at).getTime() <= cutoff);
    if (due.length === 0) return 0;
    const scope = tenantScope(order.tenant_id);
    const refused = new Map<string, string>();
    const ready: OutboxEvent[] = [];
    let firstTransient: unknown = null;
    for (const event of due) {
      try {
        for (const followUp of this.followUps) await followUp(order, event);
        ready.push(event);
      } catch (err) {
        if (isPermanent(err)) refused.set(event.event_id, `follow-up failed: ${(err as Error).message}`);
        else firstTransient ??= err;
      }
    }
    const results = ready.length > 0 ? await this.publisher.publish(ready.map((e) => toOutboundEvent(order, e))) : [];
    const sent = new Set<string>();
    for (const r of results) {
      if (r.ok) sent.add(r.event_id);
      else if (r.permanent) refused.set(r.event_id, r.reason);
      else firstTransient ??= new AppError('dependency_unavailable', r.reason);
    }
    const parked = await this.countRefusals(scope, order, due.filter((e) => refused.has(e.event_id)), refused);
    const done = due.filter((e) => sent.has(e.event_id) || parked.has(e.event_id));
    await this.repo.removeFromOutbox(scope, order, done);
    await this.forgetRecovered(scope, [...sent]);
    for (const event of due) if (sent.has(event.event_id)) this.metrics.domainEvents.inc({ event: event.type });
    if (firstTransient) throw firstTransient;
    return sent.size;
  }

  /**
   * Sends a parked event again on an operator's word: its follow-ups run on the order as it is
   * now, then it is published. Sent: the record is `replayed`; refused again: it stays parked
   * with the new reason. Only a parked event can be replayed (a failing one is still the relay's).
   */
  async replay(scope: TenantScope, eventId: string): Promise<ReplayOutcome> {
    const record = await this.parking.repo.find(scope, eventId);
    if (!record) throw AppError.notFound('parked event', eventId);
    if (record.status !== 'parked') throw new AppError('conflict', `event ${eventId} is ${record.status}, not parked`, { event_id: eventId, status: record.status });
    const order = await this.repo.findInTenant(scope, record.order_id);
    let reason: string | null = null;
    try {
      if (order) for (const followUp of this.followUps) await followUp(order, record.outbox_event);
      const [result] = await this.publisher.publish([record.envelope]);
      if (result && !result.ok) reason = result.reason;
    } catch (err) {
      reason = `follow-up failed: ${(err as Error).message}`;
    }
    if (reason) {
      const after = await this.parking.repo.replayFailed(scope, eventId, reason);
      return { outcome: 'failed', record: after ?? record };
    }
    const replayed = await this.parking.repo.markReplayed(scope, eventId);
    if (order) await this.repo.appendTimeline(scope, order.id, [{ actor: 'system', kind: 'event_replayed', from: null, to: null, reason: `${record.event} #${record.sequence ?? '?'} sent on replay`, details: { event_id: eventId } }]);
    this.metrics.domainEvents.inc({ event: record.event });
    return { outcome: 'sent', record: replayed ?? record };
  }

  /** Counts each refused event; returns the ids of those that reached the limit and were parked. */
  private async countRefusals(scope: TenantScope, order: Order, events: OutboxEvent[], reasons: Map<string, string>): Promise<Set<string>> {
    const parked = new Set<string>();
    const entries = [];
    for (const event of events) {
      const reason = reasons.get(event.event_id) ?? 'refused';
      const record = await this.parking.repo.recordFailure(scope, toOutboundEvent(order, event), event, reason);
      this.failing.add(event.event_id);
      if (record.attempts < this.parking.maxAttempts) {
        this.logger.warn({ order_id: order.id, event_id: event.event_id, event: event.type, attempts: record.attempts, reason }, 'outgoing event refused; will retry');
        continue;
      }
      await this.parking.repo.markParked(scope, event.event_id);
      this.failing.delete(event.event_id);
      parked.add(event.event_id);
      this.metrics.eventsParked.inc({ event: event.type });
      this.logger.error({ order_id: order.id, event_id: event.event_id, event: event.type, attempts: record.attempts, reason }, 'outgoing event parked');
      entries.push({ actor: 'system' as const, kind: 'event_parked', from: null, to: null, reason, details: { event_id: event.event_id, event: event.type, sequence: event.sequence ?? null, attempts: record.attempts } });
    }
    await this.repo.appendTimeline(scope, order.id, entries);
    return parked;
  }

  private async forgetRecovered(scope: TenantScope, sent: string[]): Promise<void> {
    const recovered = sent.filter((id) => this.failing.delete(id));
    if (recovered.length > 0) await this.parking.repo.forget(scope, recovered);
  }

  /** Tenants whose orders this process relayed since `since` (older entries are forgotten). */
  tenantsTouchedSince(since: number): string[] {
    const out: string[] = [];
    for (const [tenantId, at] of this.touched) {
      if (at >= since) out.push(tenantId);
      else this.touched.delete(tenantId);
    }
    return out;
  }

  /** After a write: relay now, but a failure only delays delivery to the sweeper. */
  async relayQuietly(order: Order): Promise<void> {
    try {
      await this.relay(order);
    } catch (err) {
      this.logger.warn({ err, order_id: order.id, tenant_id: order.tenant_id }, 'outbox relay failed; the sweeper will retry');
    }
  }
}

/** A follow-up failure that trying again cannot fix (a bug, bad data), as opposed to an outage. */
function isPermanent(err: unknown): boolean {
  return isAppError(err) && !err.retryable;
}
