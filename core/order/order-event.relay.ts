import type { OutboundEvent } from '../domain/events.js';
import type { Order, OutboxEvent } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { Queues } from '../platform/queues.js';
import type { OrderRepository } from './order.repository.js';

/** The envelope of API.md for one outbox event. */
export function toOutboundEvent(order: Order, event: OutboxEvent): OutboundEvent {
  return {
    event_id: event.event_id,
    event: event.type,
    occurred_at: new Date(event.occurred_at).toISOString(),
    tenant_id: order.tenant_id,
    seller_id: order.seller_id,
    order_id: order.id,
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

/**
 * Relays an order's outbox: runs the follow-ups registered for each event, sends the events to
 * oms-order-updates-queue, then removes them from the document. Because an event leaves the
 * outbox only after all of that succeeded, a crash anywhere in between is repaired by the next
 * relay (the sweeper); the price is an occasional duplicate, which consumers drop by event_id
 * and the follow-ups tolerate by contract.
 *
 * Follow-ups ride on events rather than being called after the write so that they cannot be lost.
 */
export class OrderEventRelay {
  /** Tenant -> when this process last relayed (or tried to relay) one of its orders. */
  private readonly touched = new Map<string, number>();
  private readonly followUps: FollowUp[] = [];

  constructor(
    private readonly repo: OrderRepository,
    private readonly queues: Queues,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Registers a follow-up (see FollowUp); modules do this while they are built. */
  onEvent(followUp: FollowUp): void {
    this.followUps.push(followUp);
  }

  /** Relays the events at least `minAgeMs` old (0: all); returns how many were relayed. */
  async relay(order: Order, minAgeMs = 0): Promise<number> {
    this.touched.set(order.tenant_id, Date.now());
    const cutoff = Date.now() - minAgeMs;
    const due = order.outbox.filter((e) => new Date(e.occurred_at).getTime() <= cutoff);
    if (due.length === 0) return 0;
    for (const event of due) for (const followUp of this.followUps) await followUp(order, event);
    await this.queues.sendMany('orderUpdates', due.map((e) => toOutboundEvent(order, e)));
    await this.repo.removeFromOutbox(tenantScope(order.tenant_id), order, due);
    for (const event of due) this.metrics.domainEvents.inc({ event: event.type });
    return due.length;
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
