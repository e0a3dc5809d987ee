import { AppError } from '../domain/errors.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { newId } from '../platform/ids.js';
import type { HubRepository } from './hub.repository.js';
import type { Hub } from './hub.types.js';

export type CreateHubInput = Omit<Hub, 'id' | 'tenant_id' | 'active' | 'created_at'>;

export class HubService {
  constructor(private readonly repo: HubRepository) {}

  async create(scope: TenantScope, input: CreateHubInput): Promise<Hub> {
    const hub: Hub = { id: newId('hub'), tenant_id: scope.tenantId, ...input, active: true, created_at: new Date() };
    await this.repo.insert(hub);
    return hub;
  }

  list(scope: TenantScope): Promise<Hub[]> {
    return this.repo.list(scope);
  }

  find(scope: TenantScope, code: string): Promise<Hub | null> {
    return this.repo.findByCode(scope, code);
  }

  async require(scope: TenantScope, code: string): Promise<Hub> {
    const hub = await this.repo.findByCode(scope, code);
    if (!hub) throw new AppError('not_found', `hub ${code} not found`, { hub_code: code });
    return hub;
  }
}

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
