import type { Collection, Db } from 'mongodb';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';

/** A tenant's own request budgets per minute (null: the configured default). */
export interface TenantRateLimits {
  key_per_minute: number | null;
  tenant_per_minute: number | null;
}

export const RATE_LIMIT_INDEXES: IndexPlan = { tenant_rate_limits: [] };

export class RateLimitRepository {
  private readonly limits: Collection<TenantRateLimits & { _id: string; tenant_id: string }>;
  private readonly cache = new Map<string, { at: number; value: Promise<TenantRateLimits | null> }>();

  constructor(db: Db) {
    this.limits = db.collection('tenant_rate_limits');
  }

  /** Cached for a few seconds: other processes see a change within CACHE_MS. */
  async get(scope: TenantScope): Promise<TenantRateLimits | null> {
    const hit = this.cache.get(scope.tenantId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    // The read is cached, not only its result: requests arriving while it runs share it.
    const value = this.limits.findOne({ _id: scope.tenantId }).then((doc) => (doc ? { key_per_minute: doc.key_per_minute, tenant_per_minute: doc.tenant_per_minute } : null));
    const entry = { at: Date.now(), value };
    this.cache.set(scope.tenantId, entry);
    value.catch(() => this.cache.get(scope.tenantId) === entry && this.cache.delete(scope.tenantId));
    return value;
  }

  async set(scope: TenantScope, limits: TenantRateLimits): Promise<void> {
    await this.limits.updateOne({ _id: scope.tenantId }, { $set: { tenant_id: scope.tenantId, ...limits } }, { upsert: true });
    this.cache.delete(scope.tenantId);
  }
}

const CACHE_MS = 5000;
