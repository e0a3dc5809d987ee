import type { Collection, Db, Document } from 'mongodb';
import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';

export type OrderForDryRun = Pick<
  Order,
  'id' | 'seller_id' | 'status' | 'hold_reason' | 'sales_channel' | 'order_items' | 'customer' | 'shipping_address' | 'payment' | 'hub_code' | 'created_at' | 'tags' | 'priority' | 'rules_fired' | 'timeline'
>;

/**
 * A read model over the orders collection for rule dry runs (like the aggregator's dashboard
 * repository): one order by OMS id or, within a seller, by the seller's reference, with only
 * the fields rules look at. The rules module is built before the order module (orders apply
 * rules), so it reads orders this way rather than through the order module.
 */
export class RuleOrderReader {
  private readonly orders: Collection<Document>;

  constructor(db: Db) {
    this.orders = db.collection('orders');
  }

  async find(scope: TenantScope, sellerId: string | null, ref: string): Promise<OrderForDryRun | null> {
    const base = { tenant_id: scope.tenantId, ...(sellerId ? { seller_id: sellerId } : {}) };
    const projection = { outbox: 0, search: 0, routing: 0, reservation: 0 };
    const doc = (await this.orders.findOne({ ...base, _id: ref as never }, { projection })) ?? (sellerId ? await this.orders.findOne({ ...base, order_id: ref }, { projection }) : null);
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { id: String(_id), ...(rest as Omit<OrderForDryRun, 'id'>) };
  }
}
