import type { Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';

/** Statuses of an order that has taken a slot of its hub's day. */
const TAKES_CAPACITY = ['approved', 'picking', 'picked', 'packing', 'packed', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin'];

/**
 * How many orders each hub was given today (UTC), read from the orders themselves (a read model
 * of the orders collection, which the order repository owns). The count is a soft cap: routings
 * running at the same moment may each see the last free slot. Capacity is a planning limit,
 * not an invariant like stock, so that over-run by at most the routing concurrency is accepted.
 */
export class HubLoadReadModel {
  constructor(private readonly db: Db) {}

  async routedToday(scope: TenantScope, hubCode: string): Promise<number> {
    return this.db.collection('orders').countDocuments({
      tenant_id: scope.tenantId,
      hub_code: hubCode,
      status: { $in: TAKES_CAPACITY },
      'routing.decided_on': new Date().toISOString().slice(0, 10),
    });
  }
}
