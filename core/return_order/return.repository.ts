import type { Collection, Db } from 'mongodb';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { ReturnOrder, ReturnStatus } from './return.types.js';

type ReturnDoc = Omit<ReturnOrder, 'id'> & { _id: string };

export const RETURN_INDEXES: IndexPlan = {
  returns: [
    { key: { tenant_id: 1, order_id: 1 }, name: 'tenant_order' },
    { key: { tenant_id: 1, seller_id: 1, created_at: -1 }, name: 'tenant_seller_created' },
  ],
};

export class ReturnRepository {
  private readonly returns: Collection<ReturnDoc>;

  constructor(db: Db) {
    this.returns = db.collection('returns');
  }

  async insert(r: ReturnOrder): Promise<void> {
    const { id, ...rest } = r;
    await this.returns.insertOne({ _id: id, ...rest });
  }

  async findForSeller(scope: SellerScope, id: string): Promise<ReturnOrder | null> {
    const doc = await this.returns.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async listForOrder(scope: TenantScope, orderId: string): Promise<ReturnOrder[]> {
    const docs = await this.returns.find({ tenant_id: scope.tenantId, order_id: orderId }).sort({ created_at: 1 }).toArray();
    return docs.map(fromDoc);
  }

  /** Moves a return on if it is still at `current.version`; null when someone else moved it first. */
  async move(current: ReturnOrder, to: ReturnStatus, note: string | null, set: Partial<Pick<ReturnOrder, 'received_at' | 'refund_amount'>> = {}): Promise<ReturnOrder | null> {
    const now = new Date();
    const doc = await this.returns.findOneAndUpdate(
      { tenant_id: current.tenant_id, _id: current.id, status: current.status, version: current.version },
      { $set: { ...set, status: to, updated_at: now }, $inc: { version: 1 }, $push: { history: { at: now, from: current.status, to, note } } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }
}

function fromDoc({ _id, ...rest }: ReturnDoc): ReturnOrder {
  return { id: _id, ...rest };
}
