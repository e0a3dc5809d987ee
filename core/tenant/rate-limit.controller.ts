import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { RateLimitsView } from './security.responses.js';
import { auditActorOf } from '../../router/scopes.js';
import type { AuditLog } from '../audit/audit-log.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { RateLimitRepository } from './rate-limit.repository.js';
import type { TenantService } from './tenant.service.js';

const Params = z.object({ tenant_id: z.string().min(1).max(100) });
const perMinute = z.number().int().min(1).max(10_000_000).nullable();

/** Internal routes: a tenant's own request budgets (null: the configured default). */
export function registerRateLimitRoutes(internal: RouteGroup, limits: RateLimitRepository, tenants: TenantService, audit: AuditLog): void {
  internal.add(
    {
      method: 'put',
      path: '/tenants/:tenant_id/rate-limits', operationId: 'setTenantRateLimits', response: dataOf(RateLimitsView),
      summary: "Set the tenant's requests per minute, per key and for the whole tenant",
      tag: 'tenants',
      scope: 'limits:write',
      params: Params,
      body: z.object({ key_per_minute: perMinute, tenant_per_minute: perMinute }).strict(),
    },
    async ({ params, body, ctx }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireTenant(scope);
      await limits.set(scope, body);
      await audit.record(scope, auditActorOf(ctx), 'rate_limits.updated', params.tenant_id, body);
      return { body: { data: body } };
    },
  );
  internal.add({ method: 'get', path: '/tenants/:tenant_id/rate-limits', operationId: 'getTenantRateLimits', response: dataOf(RateLimitsView), summary: "The tenant's own request budgets", tag: 'tenants', params: Params }, async ({ params }) => {
    const scope = tenantScope(params.tenant_id);
    await tenants.requireTenant(scope);
    return { body: { data: (await limits.get(scope)) ?? { key_per_minute: null, tenant_per_minute: null } } };
  });
}
