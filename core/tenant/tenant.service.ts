import { LRUCache } from 'lru-cache';
import { ReadThroughCache } from '../platform/read-through-cache.js';
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../configs/config.js';
import { AppError } from '../domain/errors.js';
import { sellerScope, tenantScope, type SellerScope, type TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { AuditActor } from '../audit/audit-log.js';
import type { ApiKeyService } from './api-key.service.js';
import type { ApiKeyGrant } from './api-key.types.js';
import { SELLER_SCOPES } from './scopes.js';
import type { TenantRepository } from './tenant.repository.js';
import type { Seller, Tenant, TenantSettings } from './tenant.types.js';

/**
 * Tenants, their sellers and settings. A seller API key is `oms_<tenant_id>_<secret>`: the
 * tenant part routes the lookup to an index that starts with tenant_id; only a SHA-256 of the
 * whole key is stored, and the key is shown once, when the seller is created.
 */
export class TenantService {
  /** The read is cached, not only its result: callers arriving while it runs share it (one read per expiry). */
  private readonly settingsCache = new ReadThroughCache<TenantSettings>(
    (tenantId) => this.repo.getSettings(tenantScope(tenantId)).then((stored) => (stored ? this.withDefaults(stored) : this.defaultSettings())),
    { ttlMs: SETTINGS_TTL_MS },
  );
  private readonly knownSellers = new LRUCache<string, true>({ max: 100_000, ttl: 10 * 60_000 });

  constructor(
    private readonly repo: TenantRepository,
    private readonly defaults: Pick<Config, 'order' | 'hub' | 'inventory' | 'payment'>,
    /** Issues the seller's first key as a scoped, revocable key record (api-key.service.ts). */
    private readonly keys?: ApiKeyService,
  ) {}

  async createTenant(input: { name: string }): Promise<Tenant> {
    const tenant: Tenant = { id: newId('ten'), name: input.name, created_at: new Date() };
    await this.repo.insertTenant(tenant);
    return tenant;
  }

  /** Creates a tenant with a fixed id unless it exists (demo data, fixtures). */
  async ensureTenant(input: { id: string; name: string }): Promise<Tenant> {
    const existing = await this.repo.findTenant(tenantScope(input.id));
    if (existing) return existing;
    const tenant: Tenant = { id: input.id, name: input.name, created_at: new Date() };
    await this.repo.insertTenant(tenant);
    return tenant;
  }

  /** Creates a seller with a fixed id and key unless it exists (demo data). */
  async ensureSeller(scope: TenantScope, input: { id: string; name: string; code: string }, apiKey: string): Promise<Seller> {
    const existing = await this.repo.findSeller(scope, input.id);
    if (existing) return existing;
    const seller: Seller = { id: input.id, tenant_id: scope.tenantId, name: input.name, code: input.code, created_at: new Date() };
    await this.repo.insertSeller(seller, hashKey(apiKey));
    await this.keys?.issue(scope, seller.id, { name: 'initial', scopes: [...SELLER_SCOPES], expires_at: null }, SYSTEM, apiKey);
    return seller;
  }

  listTenants(limit = 100): Promise<Tenant[]> {
    return this.repo.listTenants(limit);
  }

  /** Every tenant's id: background passes (outbox sweeper, dev WMS simulator) walk them. */
  listTenantIds(): Promise<string[]> {
    return this.repo.listTenantIds();
  }

  async requireTenant(scope: TenantScope): Promise<Tenant> {
    const tenant = await this.repo.findTenant(scope);
    if (!tenant) throw AppError.notFound('tenant', scope.tenantId);
    return tenant;
  }

  /** The seller's first key has every seller scope; more keys are issued through api-key.service.ts. */
  async createSeller(scope: TenantScope, input: { name: string; code: string }, by: AuditActor = SYSTEM): Promise<{ seller: Seller; apiKey: string }> {
    await this.requireTenant(scope);
    const seller: Seller = { id: newId('sel'), tenant_id: scope.tenantId, name: input.name, code: input.code, created_at: new Date() };
    const apiKey = `oms_${scope.tenantId}_${randomBytes(24).toString('base64url')}`;
    await this.repo.insertSeller(seller, hashKey(apiKey));
    await this.keys?.issue(scope, seller.id, { name: 'initial', scopes: [...SELLER_SCOPES], expires_at: null }, by, apiKey);
    return { seller, apiKey };
  }

  /**
   * A key kept only on the seller (issued before keys had records of their own): every seller
   * scope, no expiry. Keys with records are found first, so revoking one is final.
   */
  async legacyGrant(scope: TenantScope, apiKeyHash: string): Promise<ApiKeyGrant | null> {
    const seller = await this.repo.findSellerByKeyHash(scope, apiKeyHash);
    return seller ? { id: 'legacy', tenant_id: seller.tenant_id, seller_id: seller.id, scopes: [...SELLER_SCOPES], expires_at: null, revoked: false } : null;
  }

  async requireSeller(scope: TenantScope, sellerId: string): Promise<Seller> {
    const seller = await this.repo.findSeller(scope, sellerId);
    if (!seller) throw AppError.notFound('seller', sellerId);
    return seller;
  }

  /**
   * The seller's scope, once the seller is known to belong to the tenant. Every queue message
   * asks this, and sellers are never deleted, so a seller seen once is remembered for a while.
   */
  async sellerScopeFor(scope: TenantScope, sellerId: string): Promise<SellerScope> {
    const key = `${scope.tenantId}\u0000${sellerId}`;
    if (!this.knownSellers.has(key)) {
      await this.requireSeller(scope, sellerId);
      this.knownSellers.set(key, true);
    }
    return sellerScope(scope.tenantId, sellerId);
  }

  /** Settings with configured defaults filled in; cached briefly (they change rarely). */
  async settings(scope: TenantScope): Promise<TenantSettings> {
    return this.settingsCache.get(scope.tenantId);
  }

  async updateSettings(scope: TenantScope, patch: DeepPartial<TenantSettings>): Promise<TenantSettings> {
    await this.requireTenant(scope);
    const stored = await this.repo.getSettings(scope);
    const current = stored ? this.withDefaults(stored) : this.defaultSettings();
    const next: TenantSettings = {
      auto_approval: patch.auto_approval ?? current.auto_approval,
      routing: { ...current.routing, ...(patch.routing ?? {}) },
      hold_rules: { ...current.hold_rules, ...(patch.hold_rules ?? {}) },
      low_stock_threshold: patch.low_stock_threshold ?? current.low_stock_threshold,
      payment: { ...current.payment, ...(patch.payment ?? {}) },
      courier: { ...current.courier, ...(patch.courier ?? {}) },
      sla: { ...current.sla, ...(patch.sla ?? {}) },
      fulfilment: { ...current.fulfilment, ...(patch.fulfilment ?? {}) },
      invoicing: { ...current.invoicing, ...(patch.invoicing ?? {}) },
    };
    await this.repo.saveSettings(scope, next);
    this.settingsCache.delete(scope.tenantId);
    return next;
  }

  defaultSettings(): TenantSettings {
    return {
      auto_approval: this.defaults.order.auto_approval,
      routing: { proximity_weight: this.defaults.hub.proximity_weight, performance_weight: this.defaults.hub.performance_weight },
      hold_rules: { hold_unpaid_prepaid: true, manual_review_above_total: null, cod_limit: null },
      low_stock_threshold: this.defaults.inventory.low_stock_threshold,
      payment: { on_failure: 'cancel', auto_release: true, reservation_timeout_s: this.defaults.payment.reservation_timeout_s },
      courier: { book_on: 'packed', carriers: [] },
      sla: { approve_within_hours: null, ship_within_hours: null, deliver_within_hours: null, at_risk_ratio: 0.8, channels: [], hubs: [] },
      fulfilment: { policy: 'single_hub', max_parts: 2 },
      invoicing: { per: 'order' },
    };
  }

  /** Settings saved before a section existed get that section's defaults (payment, courier, sla and fulfilment came with issues 14 and 16). */
  private withDefaults(stored: TenantSettings): TenantSettings {
    const defaults = this.defaultSettings();
    return {
      ...stored,
      payment: { ...defaults.payment, ...(stored.payment ?? {}) },
      courier: { ...defaults.courier, ...(stored.courier ?? {}) },
      sla: { ...defaults.sla, ...(stored.sla ?? {}) },
      fulfilment: { ...defaults.fulfilment, ...(stored.fulfilment ?? {}) },
      invoicing: { ...defaults.invoicing, ...(stored.invoicing ?? {}) },
    };
  }
}

const SYSTEM: AuditActor = { actor: 'system', request_id: null };

/** Other processes see a settings change within this long (this process at once). */
const SETTINGS_TTL_MS = 5000;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? Partial<T[K]> : T[K] };

function hashKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}
