import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { ApiKey } from './api-key.types.js';

type ApiKeyDoc = Omit<ApiKey, 'id'> & { _id: string; hash: string };

export const API_KEY_INDEXES: IndexPlan = {
  api_keys: [
    { key: { tenant_id: 1, hash: 1 }, name: 'tenant_key_hash', unique: true },
    { key: { tenant_id: 1, seller_id: 1, created_at: 1 }, name: 'tenant_seller_keys' },
  ],
};

export class ApiKeyRepository {
  private readonly keys: Collection<ApiKeyDoc>;

  constructor(db: Db) {
    this.keys = db.collection('api_keys');
  }

  async insert(key: ApiKey, hash: string): Promise<void> {
    const { id, ...rest } = key;
    await this.keys.insertOne({ _id: id, ...rest, hash });
  }

  async findByHash(scope: TenantScope, hash: string): Promise<ApiKey | null> {
    const doc = await this.keys.findOne({ tenant_id: scope.tenantId, hash });
    return doc ? fromDoc(doc) : null;
  }

  async find(scope: TenantScope, sellerId: string, id: string): Promise<(ApiKey & { hash: string }) | null> {
    const doc = await this.keys.findOne({ tenant_id: scope.tenantId, seller_id: sellerId, _id: id });
    return doc ? { ...fromDoc(doc), hash: doc.hash } : null;
  }

  async list(scope: TenantScope, sellerId: string): Promise<ApiKey[]> {
    const docs = await this.keys.find({ tenant_id: scope.tenantId, seller_id: sellerId }).sort({ created_at: 1 }).toArray();
    return docs.map(fromDoc);
  }

  /** Only a live key changes: a revoked one stays revoked. */
  async update(scope: TenantScope, id: string, set: Partial<Pick<ApiKey, 'expires_at' | 'revoked_at' | 'replaced_by'>>): Promise<boolean> {
    const res = await this.keys.updateOne({ tenant_id: scope.tenantId, _id: id, revoked_at: null }, { $set: set });
    return res.matchedCount === 1;
  }

  async touch(scope: TenantScope, id: string, at: Date): Promise<void> {
    await this.keys.updateOne({ tenant_id: scope.tenantId, _id: id }, { $set: { last_used_at: at } });
  }
}

function fromDoc({ _id, hash: _hash, ...rest }: ApiKeyDoc): ApiKey {
  return { id: _id, ...rest };
}
