import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { TenantService } from '../tenant/tenant.service.js';
import { toHubView, type HubService } from './hub.service.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { HubView } from './hub.responses.js';

export const CreateHubBody = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only'),
    name: z.string().trim().min(1).max(200),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    is_external: z.boolean().default(false),
    daily_capacity: z.number().int().positive().nullable().default(null),
    priority: z.number().int().min(0).max(1000).default(0),
    performance_score: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export function registerHubRoutes(groups: { internal: RouteGroup; public: RouteGroup }, hubs: HubService, tenants: TenantService): void {
  groups.internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/hubs',
      operationId: 'createHub',
      errors: { 409: 'conflict: the tenant has a hub with this code' },
      response: dataOf(HubView),
      summary: 'Create a hub (warehouse)',
      tag: 'hubs',
      status: 201,
      params: z.object({ tenant_id: z.string().min(1) }),
      body: CreateHubBody,
    },
    async ({ params, body }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireTenant(scope);
      return { body: { data: toHubView(await hubs.create(scope, body)) } };
    },
  );

  groups.public.add({ method: 'get', path: '/hubs', operationId: 'listHubs', summary: "List the tenant's hubs", tag: 'hubs', response: dataOf(z.array(HubView)) }, async ({ caller }) => ({
    body: { data: (await hubs.list(caller.scope!)).map(toHubView) },
  }));
}
