import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import { ReadThroughCache } from '../platform/read-through-cache.js';

/** A tenant's own request budgets per minute (null: the configured default). */
export interface TenantRateLimits {
  key_per_minute: number | null;
  tenant_per_minute: number | null;
}

export const RATE_LIMIT_INDEXES: IndexPlan = { tenant_rate_limits: [] };

export class RateLimitRepository {
  private readonly limits: Collection<TenantRateLimits & { _id: string; tenant_id: string }>;
  /** Requests arriving while a read runs share it. */
  private readonly cache: ReadThroughCache<TenantRateLimits | null>;

  constructor(db: Db) {
    this.limits = db.collection('tenant_rate_limits');
    this.cache = new ReadThroughCache(
      (tenantId) => this.limits.findOne({ _id: tenantId }).then((doc) => (doc ? { key_per_minute: doc.key_per_minute, tenant_per_minute: doc.tenant_per_minute } : null)),
      { ttlMs: CACHE_MS },
    );
  }

  /** Cached for a few seconds: other processes see a change within CACHE_MS. */
  async get(scope: TenantScope): Promise<TenantRateLimits | null> {
    return this.cache.get(scope.tenantId);
  }

  async set(scope: TenantScope, limits: TenantRateLimits): Promise<void> {
    await this.limits.updateOne({ _id: scope.tenantId }, { $set: { tenant_id: scope.tenantId, ...limits } }, { upsert: true });
    this.cache.delete(scope.tenantId);
  }
}

const CACHE_MS = 5000;
