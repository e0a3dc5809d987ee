import type { TimelineEntry } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';

export interface FeedEntry {
  order_id: string;
  seller_id: string;
  seller_order_id: string;
  status: string;
  entry: TimelineEntry;
}

/**
 * Follows a tenant's order events for operators (`oms events tail`) by polling the orders'
 * timelines, the durable record of every change. It reads only, so unlike a consumer of
 * oms-order-updates-queue it takes nothing from the OMS's own listeners. Each poll asks for the
 * orders changed since the last change seen, minus an overlap that absorbs clock skew between
 * writers; entries already printed are skipped by their position in each order's timeline.
 */
export class OrderEventFeed {
  private readonly start: Date;
  private readonly overlapMs: number;
  private since: Date;
  private readonly printed = new Map<string, number>();

  constructor(
    private readonly orders: Pick<OrderRepository, 'changedSince'>,
    private readonly scope: TenantScope,
    options: { since?: Date; overlapMs?: number } = {},
  ) {
    this.start = options.since ?? new Date();
    this.since = this.start;
    this.overlapMs = options.overlapMs ?? 2000;
  }

  /** The timeline entries written since the previous poll (or since `since`), oldest first. */
  async poll(limit = 500): Promise<FeedEntry[]> {
    const from = new Date(this.since.getTime() - this.overlapMs);
    const changed = await this.orders.changedSince(this.scope, from, limit);
    const out: FeedEntry[] = [];
    for (const order of changed) {
      const known = this.printed.get(order.id);
      // An order first met in this feed shows only what happened after the feed's start.
      const fresh = order.timeline.map((entry, i) => ({ entry, i })).filter(({ entry, i }) => (known === undefined ? new Date(entry.at) > this.start : i >= known));
      for (const { entry } of fresh) out.push({ order_id: order.id, seller_id: order.seller_id, seller_order_id: order.order_id, status: order.status, entry });
      this.printed.set(order.id, order.timeline.length);
      if (order.updated_at > this.since) this.since = order.updated_at;
    }
    return out.sort((a, b) => new Date(a.entry.at).getTime() - new Date(b.entry.at).getTime());
  }
}
