import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import { isDuplicateKey } from '../platform/mongo.js';
import { AppError } from '../domain/errors.js';
import type { Seller, Tenant, TenantSettings } from './tenant.types.js';

interface TenantDoc {
  _id: string;
  tenant_id: string;
  name: string;
  settings: TenantSettings | null;
  created_at: Date;
}

interface SellerDoc {
  _id: string;
  tenant_id: string;
  name: string;
  code: string;
  api_key_hash: string;
  created_at: Date;
}

export const TENANT_INDEXES: IndexPlan = {
  tenants: [],
  sellers: [
    { key: { tenant_id: 1, code: 1 }, name: 'tenant_seller_code', unique: true },
    { key: { tenant_id: 1, api_key_hash: 1 }, name: 'tenant_api_key', unique: true },
  ],
};

export class TenantRepository {
  private readonly tenants: Collection<TenantDoc>;
  private readonly sellers: Collection<SellerDoc>;

  constructor(db: Db) {
    this.tenants = db.collection('tenants');
    this.sellers = db.collection('sellers');
  }

  async insertTenant(tenant: Tenant): Promise<void> {
    await this.tenants.insertOne({ _id: tenant.id, tenant_id: tenant.id, name: tenant.name, settings: null, created_at: tenant.created_at });
  }

  async findTenant(scope: TenantScope): Promise<Tenant | null> {
    const doc = await this.tenants.findOne({ _id: scope.tenantId });
    return doc ? { id: doc._id, name: doc.name, created_at: doc.created_at } : null;
  }

  /** Tenants by creation, newest first (operators' `oms tenants list`). */
  async listTenants(limit: number): Promise<Tenant[]> {
    const docs = await this.tenants.find({}, { projection: { _id: 1, name: 1, created_at: 1 } }).sort({ created_at: -1 }).limit(limit).toArray();
    return docs.map((d) => ({ id: d._id, name: d.name, created_at: d.created_at }));
  }

  async listTenantIds(): Promise<string[]> {
    return (await this.tenants.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
  }

  async getSettings(scope: TenantScope): Promise<TenantSettings | null> {
    const doc = await this.tenants.findOne({ _id: scope.tenantId }, { projection: { settings: 1 } });
    return doc?.settings ?? null;
  }

  async saveSettings(scope: TenantScope, settings: TenantSettings): Promise<boolean> {
    const res = await this.tenants.updateOne({ _id: scope.tenantId }, { $set: { settings } });
    return res.matchedCount === 1;
  }

  async insertSeller(seller: Seller, apiKeyHash: string): Promise<void> {
    try {
      await this.sellers.insertOne({ _id: seller.id, tenant_id: seller.tenant_id, name: seller.name, code: seller.code, api_key_hash: apiKeyHash, created_at: seller.created_at });
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('conflict', `a seller with code ${seller.code} already exists`, { code: seller.code });
      throw err;
    }
  }

  async findSeller(scope: TenantScope, sellerId: string): Promise<Seller | null> {
    const doc = await this.sellers.findOne({ tenant_id: scope.tenantId, _id: sellerId });
    return doc ? toSeller(doc) : null;
  }

  async findSellerByKeyHash(scope: TenantScope, apiKeyHash: string): Promise<Seller | null> {
    const doc = await this.sellers.findOne({ tenant_id: scope.tenantId, api_key_hash: apiKeyHash });
    return doc ? toSeller(doc) : null;
  }
}

function toSeller(doc: SellerDoc): Seller {
  return { id: doc._id, tenant_id: doc.tenant_id, name: doc.name, code: doc.code, created_at: doc.created_at };
}
