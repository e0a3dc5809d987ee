import type { Db } from 'mongodb';
import { QUEUES, type QueueKey } from '../../../localstack/resources.js';
import type { Queues } from '../../../core/platform/queues.js';

/** One order's clock, from its own document: created_at and the timeline's status changes. */
export interface OrderTimes {
  id: string;
  order_id: string;
  status: string;
  created: number;
  /** First time the order reached each status (ms since epoch). */
  reached: Record<string, number>;
}

/**
 * Reads the bench tenant's orders straight from the store with the bench's own client (not
 * through the OMS, so no OMS counter moves and no API latency is measured): one query per
 * poll for all orders, not one per order.
 */
export class OrderWatch {
  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
  ) {}

  async statuses(): Promise<Map<string, string>> {
    const docs = await this.db.collection('orders').find({ tenant_id: this.tenantId }, { projection: { _id: 1, status: 1 } }).toArray();
    return new Map(docs.map((d) => [String(d._id), String(d.status)]));
  }

  /** Waits until `count` orders are in `status` (polling every `everyMs`); throws with the status counts at the deadline. */
  async untilAll(count: number, status: string, deadline: number, everyMs = 250): Promise<void> {
    for (;;) {
      const statuses = await this.statuses();
      const done = [...statuses.values()].filter((s) => s === status).length;
      if (done >= count) return;
      if (Date.now() > deadline) {
        const by: Record<string, number> = {};
        for (const s of statuses.values()) by[s] = (by[s] ?? 0) + 1;
        throw new Error(`timed out: ${done} of ${count} orders ${status}; statuses ${JSON.stringify(by)}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /**
   * Waits until the orders' effects are all done: no order of the tenant has events waiting in
   * its outbox and every queue is empty (nothing visible, in flight or delayed), twice in a row.
   * Returns the messages in the dead-letter queues (should be 0).
   */
  async untilSettled(queues: Queues, deadline: number): Promise<number> {
    const keys = Object.keys(QUEUES) as QueueKey[];
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for outboxes and queues to drain');
      await new Promise((r) => setTimeout(r, 500));
      const pending = await this.db.collection('orders').countDocuments({ tenant_id: this.tenantId, outbox_pending: true });
      const depths = await Promise.all(keys.map((k) => queues.depth(queues.name(k))));
      const busy = pending + depths.reduce((n, d) => n + d.visible + d.inFlight + d.delayed, 0);
      quiet = busy === 0 ? quiet + 1 : 0;
    }
    const dead = await Promise.all(keys.map((k) => queues.depth(queues.dlqName(k))));
    return dead.reduce((n, d) => n + d.visible + d.inFlight + d.delayed, 0);
  }

  async times(): Promise<OrderTimes[]> {
    const docs = await this.db
      .collection('orders')
      .find({ tenant_id: this.tenantId }, { projection: { _id: 1, order_id: 1, status: 1, created_at: 1, timeline: 1 } })
      .toArray();
    return docs.map((d) => {
      const reached: Record<string, number> = {};
      for (const e of (d.timeline ?? []) as { at: Date; to: string | null }[]) {
        if (e.to && reached[e.to] === undefined) reached[e.to] = new Date(e.at).getTime();
      }
      return { id: String(d._id), order_id: String(d.order_id), status: String(d.status), created: new Date(d.created_at as Date).getTime(), reached };
    });
  }
}
