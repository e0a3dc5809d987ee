import { AppError } from '../domain/errors.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import { ReadThroughCache } from '../platform/read-through-cache.js';
import type { HubRepository } from './hub.repository.js';
import type { Hub } from './hub.types.js';

export type CreateHubInput = Omit<Hub, 'id' | 'tenant_id' | 'active' | 'created_at'>;

/**
 * Hubs of a tenant. Routing reads every hub of the tenant for every order, and hubs change
 * rarely, so the list is cached per tenant for a few seconds: this process drops it at once on a
 * change, other processes see a new hub within HUBS_TTL_MS (and a code missing from the cached
 * list is looked up in the store before it is called unknown).
 */
export class HubService {
  /** The read is cached, not only its result: callers arriving while it runs share it (one read per expiry). */
  private readonly cache: ReadThroughCache<Hub[]>;
  private readonly created: ((scope: TenantScope, hub: Hub) => Promise<void>)[] = [];

  constructor(private readonly repo: HubRepository) {
    this.cache = new ReadThroughCache((tenantId) => repo.list(tenantScope(tenantId)), { ttlMs: HUBS_TTL_MS });
  }

  /** Called after a hub is added (held orders may be served by it: core/hub_routing registers). Must not throw. */
  onCreated(listener: (scope: TenantScope, hub: Hub) => Promise<void>): void {
    this.created.push(listener);
  }

  async create(scope: TenantScope, input: CreateHubInput): Promise<Hub> {
    const hub: Hub = { id: newId('hub'), tenant_id: scope.tenantId, ...input, active: true, created_at: new Date() };
    await this.repo.insert(hub);
    this.cache.delete(scope.tenantId);
    for (const listener of this.created) await listener(scope, hub);
    return hub;
  }

  async list(scope: TenantScope): Promise<Hub[]> {
    return this.cache.get(scope.tenantId);
  }

  async find(scope: TenantScope, code: string): Promise<Hub | null> {
    return (await this.list(scope)).find((h) => h.code === code) ?? (await this.repo.findByCode(scope, code));
  }

  async require(scope: TenantScope, code: string): Promise<Hub> {
    const hub = await this.find(scope, code);
    if (!hub) throw new AppError('not_found', `hub ${code} not found`, { hub_code: code });
    return hub;
  }
}

/** Other processes see a new hub within this long (this process at once). */
const HUBS_TTL_MS = 5000;

export function toHubView(hub: Hub): Record<string, unknown> {
  return {
    id: hub.id,
    code: hub.code,
    name: hub.name,
    latitude: hub.latitude,
    longitude: hub.longitude,
    is_external: hub.is_external,
    daily_capacity: hub.daily_capacity,
    priority: hub.priority,
    performance_score: hub.performance_score,
    active: hub.active,
    created_at: hub.created_at.toISOString(),
  };
}
