import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { TenantService } from './tenant.service.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { SellerCreatedView, TenantSettingsView, TenantView } from './tenant.responses.js';

export const CreateTenantBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const CreateSellerBody = z.object({ name: z.string().trim().min(1).max(200), code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict();
const TenantParams = z.object({ tenant_id: z.string().min(1) });
const weight = z.number().min(0).max(1);
export const SettingsBody = z
  .object({
    auto_approval: z.boolean().optional(),
    routing: z.object({ proximity_weight: weight.optional(), performance_weight: weight.optional() }).strict().optional(),
    hold_rules: z
      .object({
        hold_unpaid_prepaid: z.boolean().optional(),
        manual_review_above_total: z.number().positive().nullable().optional(),
        cod_limit: z.number().positive().nullable().optional(),
      })
      .strict()
      .optional(),
    low_stock_threshold: z.number().int().min(0).optional(),
    payment: z
      .object({
        on_failure: z.enum(['cancel', 'hold']).optional(),
        auto_release: z.boolean().optional(),
        reservation_timeout_s: z.number().int().min(1).max(30 * 24 * 3600).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Internal routes: tenants, sellers (API key shown once) and tenant settings. */
export function registerTenantRoutes(internal: RouteGroup, service: TenantService): void {
  internal.add(
    {
      method: 'post',
      path: '/tenants',
      operationId: 'createTenant',
      summary: 'Create a tenant',
      tag: 'tenants',
      status: 201,
      body: CreateTenantBody,
      response: dataOf(TenantView),
    },
    async ({ body }) => {
      const tenant = await service.createTenant(body);
      return { body: { data: { id: tenant.id, name: tenant.name, created_at: tenant.created_at.toISOString() } } };
    },
  );

  internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/sellers',
      operationId: 'createSeller',
      response: dataOf(SellerCreatedView),
      summary: 'Create a seller; the API key is returned once',
      tag: 'tenants',
      status: 201,
      params: TenantParams,
      body: CreateSellerBody,
    },
    async ({ params, body }) => {
      const { seller, apiKey } = await service.createSeller(tenantScope(params.tenant_id), body);
      return { body: { data: { id: seller.id, tenant_id: seller.tenant_id, name: seller.name, code: seller.code, api_key: apiKey } } };
    },
  );

  internal.add(
    {
      method: 'put',
      path: '/tenants/:tenant_id/settings',
      operationId: 'updateTenantSettings',
      summary: 'Update tenant settings (partial)',
      tag: 'tenants',
      params: TenantParams,
      body: SettingsBody,
      response: dataOf(TenantSettingsView),
    },
    async ({ params, body }) => ({ body: { data: await service.updateSettings(tenantScope(params.tenant_id), body) } }),
  );

  internal.add(
    { method: 'get', path: '/tenants/:tenant_id/settings', operationId: 'getTenantSettings', summary: 'Tenant settings', tag: 'tenants', params: TenantParams, response: dataOf(TenantSettingsView) },
    async ({ params }) => {
      const scope = tenantScope(params.tenant_id);
      await service.requireTenant(scope);
      return { body: { data: await service.settings(scope) } };
    },
  );
}
