import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { EffectRecord, EffectStatus } from './effect.types.js';

type EffectDoc = Omit<EffectRecord, 'id'> & { _id: string };

export const EFFECT_INDEXES: IndexPlan = {
  effects: [
    { key: { tenant_id: 1, status: 1, next_attempt_at: 1 }, name: 'tenant_status_next' },
    { key: { tenant_id: 1, order_id: 1 }, name: 'tenant_order' },
  ],
};

/** Effects that failed at least once: the retry sweeper's work list and what operators look at. */
export class EffectRepository {
  private readonly collection: Collection<EffectDoc>;

  constructor(db: Db) {
    this.collection = db.collection('effects');
  }

  /** Records the outcome of an attempt (one upsert by key). */
  async save(scope: TenantScope, record: Omit<EffectRecord, 'created_at' | 'updated_at'> & Partial<Pick<EffectRecord, 'created_at' | 'updated_at'>>): Promise<void> {
    const { id, created_at: _created, updated_at: _updated, ...rest } = record;
    const now = new Date();
    await this.collection.updateOne(
      { tenant_id: scope.tenantId, _id: id },
      { $set: { ...rest, tenant_id: scope.tenantId, updated_at: now }, $setOnInsert: { created_at: now } },
      { upsert: true },
    );
  }

  /**
   * Records an effect as pending unless it has a record already (which then says who owns it):
   * for an effect found claimed by a holder that may have died, so the sweeper looks again once
   * that claim's lease ended.
   */
  async insertIfAbsent(scope: TenantScope, record: Omit<EffectRecord, 'created_at' | 'updated_at'>): Promise<void> {
    const { id, ...rest } = record;
    const now = new Date();
    try {
      await this.collection.insertOne({ _id: id, ...rest, tenant_id: scope.tenantId, created_at: now, updated_at: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /** Marks a recorded effect as finally sent; no-op when it never failed (there is no record). */
  async markSent(scope: TenantScope, id: string, attempts: number): Promise<void> {
    await this.collection.updateOne(
      { tenant_id: scope.tenantId, _id: id },
      { $set: { status: 'sent', attempts, next_attempt_at: null, updated_at: new Date() } },
    );
  }

  async due(scope: TenantScope, now: Date, limit: number): Promise<EffectRecord[]> {
    const docs = await this.collection
      .find({ tenant_id: scope.tenantId, status: 'pending', next_attempt_at: { $lte: now } })
      .sort({ next_attempt_at: 1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async hasPending(scope: TenantScope): Promise<boolean> {
    return (await this.collection.findOne({ tenant_id: scope.tenantId, status: 'pending' }, { projection: { _id: 1 } })) !== null;
  }

  async list(scope: TenantScope, filter: { status?: EffectStatus; order_id?: string }, limit: number): Promise<EffectRecord[]> {
    const docs = await this.collection
      .find({ tenant_id: scope.tenantId, ...(filter.status ? { status: filter.status } : {}), ...(filter.order_id ? { order_id: filter.order_id } : {}) })
      .sort({ updated_at: -1 })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async find(scope: TenantScope, id: string): Promise<EffectRecord | null> {
    const doc = await this.collection.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }
}

function fromDoc(doc: EffectDoc): EffectRecord {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
