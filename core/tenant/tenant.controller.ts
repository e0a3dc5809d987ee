import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { TenantService } from './tenant.service.js';
import { dataOf } from '../../router/openapi/schemas.js';
import { FULFILMENT_POLICIES, INVOICE_PER, MAX_PARTS } from './tenant.types.js';
import { SellerCreatedView, TenantSettingsView, TenantView } from './tenant.responses.js';

export const CreateTenantBody = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const CreateSellerBody = z.object({ name: z.string().trim().min(1).max(200), code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict();
const TenantParams = z.object({ tenant_id: z.string().min(1) });
const weight = z.number().min(0).max(1);

// ---- courier booking and SLA settings (issue 16) ----
const hours = z.number().positive().max(24 * 365).nullable();
const CarrierBody = z
  .object({
    name: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/),
    base_url: z.url({ protocol: /^https?$/ }).max(2000),
    priority: z.number().int().min(0).max(1000),
    enabled: z.boolean().default(true),
  })
  .strict();
const CourierSettingsBody = z
  .object({
    book_on: z.enum(['approved', 'packed']).optional(),
    carriers: z
      .array(CarrierBody)
      .max(20)
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'carrier names must be unique')
      .optional(),
  })
  .strict();
const SlaSettingsBody = z
  .object({
    approve_within_hours: hours.optional(),
    ship_within_hours: hours.optional(),
    deliver_within_hours: hours.optional(),
    at_risk_ratio: z.number().gt(0).lt(1).optional(),
    channels: z
      .array(z.object({ sales_channel: z.string().trim().min(1).max(100), approve_within_hours: hours.optional(), ship_within_hours: hours.optional(), deliver_within_hours: hours.optional() }).strict())
      .max(100)
      .optional(),
    hubs: z
      .array(
        z
          .object({
            hub_code: z.string().trim().min(1).max(64),
            cutoff_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).nullable(),
            working_days: z.array(z.number().int().min(0).max(6)).min(1).max(7).nullable(),
          })
          .strict(),
      )
      .max(500)
      .optional(),
  })
  .strict();
/** Split fulfilment (docs/adr/0020). */
const FulfilmentSettingsBody = z
  .object({
    policy: z.enum(FULFILMENT_POLICIES).optional(),
    max_parts: z.number().int().min(2).max(MAX_PARTS).optional(),
  })
  .strict();
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
    courier: CourierSettingsBody.optional().meta({
      description: 'Courier booking (docs/adr/0011): the stage to book at and the carriers, tried by ascending priority (enabled ones only); replaces the list when given',
    }),
    invoicing: z.object({ per: z.enum(INVOICE_PER).optional() }).strict().optional().meta({
      description: 'Invoices (docs/adr/0020): per order (default), or per fulfilment (each part of a split order invoiced when it ships)',
    }),
    fulfilment: FulfilmentSettingsBody.optional().meta({
      description: 'Split fulfilment (docs/adr/0020): single_hub (default: an order no one hub can ship is held), split_allowed (fewest hubs, then score; a line may be split), split_by_line (whole lines, at most max_parts parts)',
    }),
    sla: SlaSettingsBody.optional().meta({
      description: 'SLA windows in calendar hours (docs/adr/0012), per sales channel overrides, per hub cut-off (HH:MM UTC) and working days (0 = Sunday)',
    }),
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
