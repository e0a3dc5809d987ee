import type { Collection, Db } from 'mongodb';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';

export type TransferState = 'pending' | 'done' | 'failed';

/** A transfer as recorded before its legs run: what recovery completes if the process dies in between. */
export interface StockTransfer {
  id: string;
  tenant_id: string;
  /** Whose request it was: recovery notifies as that seller (approve-on-hold of arrived stock). */
  seller_id: string;
  from_hub_code: string;
  to_hub_code: string;
  sku: string;
  quantity: number;
  state: TransferState;
  created_at: Date;
  updated_at: Date;
}

// The client's transfer id is unique only within a tenant (an Idempotency-Key), so the
// document id carries the tenant too.
type TransferDoc = Omit<StockTransfer, 'id'> & { _id: string; transfer_id: string };

export const STOCK_TRANSFER_INDEXES: IndexPlan = {
  stock_transfers: [{ key: { tenant_id: 1, state: 1 }, name: 'tenant_state' }],
};

/** The only code that touches `stock_transfers`. */
export class StockTransferRepository {
  private readonly transfers: Collection<TransferDoc>;

  constructor(db: Db) {
    this.transfers = db.collection('stock_transfers');
  }

  /** Records a pending transfer; the one already recorded under this id when there is one. */
  async insertOrFind(scope: SellerScope, transfer: Omit<StockTransfer, 'tenant_id' | 'seller_id' | 'state' | 'created_at' | 'updated_at'>): Promise<StockTransfer> {
    const now = new Date();
    const { id, ...rest } = transfer;
    try {
      const recorded = { tenant_id: scope.tenantId, seller_id: scope.sellerId, ...rest, state: 'pending' as const, created_at: now, updated_at: now };
      await this.transfers.insertOne({ _id: docId(scope, id), transfer_id: id, ...recorded });
      return { id, ...recorded };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.find(scope, id);
      if (!existing) throw err;
      return existing;
    }
  }

  async find(scope: TenantScope, id: string): Promise<StockTransfer | null> {
    const doc = await this.transfers.findOne({ _id: docId(scope, id), tenant_id: scope.tenantId });
    return doc ? toTransfer(doc) : null;
  }

  /** Pending transfers recorded before `before`, oldest first (the recovery pass's work list). */
  async pendingSince(scope: TenantScope, before: Date, limit: number): Promise<StockTransfer[]> {
    // Equality on tenant and state is what FerretDB pushes down; the age is filtered after it.
    const docs = await this.transfers.find({ tenant_id: scope.tenantId, state: 'pending', created_at: { $lt: before } }).sort({ created_at: 1 }).limit(limit).toArray();
    return docs.map(toTransfer);
  }

  /** pending -> done|failed; false when it had already settled (another process finished it). */
  async settle(scope: TenantScope, id: string, state: Exclude<TransferState, 'pending'>): Promise<boolean> {
    const res = await this.transfers.updateOne({ _id: docId(scope, id), tenant_id: scope.tenantId, state: 'pending' }, { $set: { state, updated_at: new Date() } });
    return res.modifiedCount === 1;
  }
}

function docId(scope: TenantScope, id: string): string {
  return `${scope.tenantId}/${id}`;
}

function toTransfer(doc: TransferDoc): StockTransfer {
  return {
    id: doc.transfer_id,
    tenant_id: doc.tenant_id,
    seller_id: doc.seller_id,
    from_hub_code: doc.from_hub_code,
    to_hub_code: doc.to_hub_code,
    sku: doc.sku,
    quantity: doc.quantity,
    state: doc.state,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}
