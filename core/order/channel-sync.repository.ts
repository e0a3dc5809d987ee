import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { ChannelStatusUpdate } from '../../external-service/sales-channel/sales-channel.client.js';

/** A status update the sales channel has not accepted yet: the latest one per order. */
export interface PendingSync {
  id: string;
  tenant_id: string;
  order_id: string;
  /** The order version the update reflects: an older update never overwrites a newer one. */
  version: number;
  update: ChannelStatusUpdate;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
}

type PendingSyncDoc = Omit<PendingSync, 'id'> & { _id: string };

export const CHANNEL_SYNC_INDEXES: IndexPlan = {
  sales_channel_syncs: [{ key: { tenant_id: 1, next_attempt_at: 1 }, name: 'tenant_next_attempt' }],
};

export class ChannelSyncRepository {
  private readonly collection: Collection<PendingSyncDoc>;

  /** `collection` is overridable so a test's own sync pipeline does not share its queue with the running OMS. */
  constructor(db: Db, collection = 'sales_channel_syncs') {
    this.collection = db.collection(collection);
  }

  /** Keeps `sync` unless a newer version is already waiting (the upsert then collides and is dropped). */
  async savePending(sync: PendingSync): Promise<void> {
    const { id, ...rest } = sync;
    try {
      await this.collection.updateOne({ tenant_id: sync.tenant_id, _id: id, version: { $lt: sync.version } }, { $set: rest }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** The channel has the order at `version` (or later): older waiting updates are obsolete. */
  async clearUpTo(scope: TenantScope, id: string, version: number): Promise<void> {
    await this.collection.deleteOne({ tenant_id: scope.tenantId, _id: id, version: { $lte: version } });
  }

  async reschedule(scope: TenantScope, sync: PendingSync, nextAttemptAt: Date, error: string): Promise<void> {
    await this.collection.updateOne(
      { tenant_id: scope.tenantId, _id: sync.id, version: sync.version },
      { $set: { next_attempt_at: nextAttemptAt, last_error: error }, $inc: { attempts: 1 } },
    );
  }

  async due(scope: TenantScope, now: Date, limit: number): Promise<PendingSync[]> {
    const docs = await this.collection.find({ tenant_id: scope.tenantId, next_attempt_at: { $lte: now } }).sort({ next_attempt_at: 1 }).limit(limit).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async find(scope: TenantScope, id: string): Promise<PendingSync | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? (({ _id, ...rest }) => ({ id: _id, ...rest }))(doc) : null;
  }
}
