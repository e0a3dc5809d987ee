import type { Collection, Db } from 'mongodb';
import { PLATFORM_TENANT } from '../audit/audit-log.js';
import type { IndexPlan } from '../platform/mongo.js';

/** A calling service's identity: its token is stored as a SHA-256 hash. */
export interface ServiceToken {
  id: string;
  name: string;
  /** Tenants it may act for; null for all. */
  tenants: string[] | null;
  scopes: string[];
  created_at: Date;
  revoked_at: Date | null;
}

/** Service tokens are platform-wide: they live under the platform tenant id (every index starts with tenant_id). */
type ServiceTokenDoc = Omit<ServiceToken, 'id'> & { _id: string; tenant_id: string; hash: string };

export const SERVICE_TOKEN_INDEXES: IndexPlan = {
  service_tokens: [{ key: { tenant_id: 1, hash: 1 }, name: 'platform_token_hash', unique: true }],
};

export class ServiceTokenRepository {
  private readonly tokens: Collection<ServiceTokenDoc>;

  constructor(db: Db) {
    this.tokens = db.collection('service_tokens');
  }

  async insert(token: ServiceToken, hash: string): Promise<void> {
    const { id, ...rest } = token;
    await this.tokens.insertOne({ _id: id, tenant_id: PLATFORM_TENANT, ...rest, hash });
  }

  async findByHash(hash: string): Promise<ServiceToken | null> {
    const doc = await this.tokens.findOne({ tenant_id: PLATFORM_TENANT, hash });
    return doc ? fromDoc(doc) : null;
  }

  async find(id: string): Promise<(ServiceToken & { hash: string }) | null> {
    const doc = await this.tokens.findOne({ tenant_id: PLATFORM_TENANT, _id: id });
    return doc ? { ...fromDoc(doc), hash: doc.hash } : null;
  }

  async list(): Promise<ServiceToken[]> {
    return (await this.tokens.find({ tenant_id: PLATFORM_TENANT }).sort({ created_at: 1 }).toArray()).map(fromDoc);
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const res = await this.tokens.updateOne({ tenant_id: PLATFORM_TENANT, _id: id, revoked_at: null }, { $set: { revoked_at: at } });
    return res.matchedCount === 1;
  }
}

function fromDoc({ _id, tenant_id: _t, hash: _h, ...rest }: ServiceTokenDoc): ServiceToken {
  return { id: _id, ...rest };
}
