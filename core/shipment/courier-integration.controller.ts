import { z } from 'zod';
import { auditActorOf } from '../../router/scopes.js';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { CourierIntegrationView, IssuedCourierIntegrationView } from './shipment.responses.js';
import { tenantScope } from '../domain/tenant-scope.js';
import { toIntegrationView, type CourierIntegrationService } from './courier-integration.service.js';

const TenantParams = z.object({ tenant_id: z.string().min(1).max(100) });
const IntegrationParams = TenantParams.extend({ integration_id: z.string().min(1).max(100) });

/** Internal routes: a tenant's courier integrations and their webhook signing secrets (shown once). */
export function registerCourierIntegrationRoutes(internal: RouteGroup, service: CourierIntegrationService): void {
  internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/courier-integrations', operationId: 'createCourierIntegration', response: dataOf(IssuedCourierIntegrationView),
      summary: 'Create a courier integration; its webhook signing secret is returned once',
      tag: 'courier integrations',
      scope: 'couriers:write',
      status: 201,
      params: TenantParams,
      body: z.object({ courier: z.string().trim().min(1).max(64) }).strict(),
    },
    async ({ params, body, ctx }) => {
      const { integration, secret } = await service.create(tenantScope(params.tenant_id), body.courier, auditActorOf(ctx));
      return { body: { data: { ...toIntegrationView(integration), secret } } };
    },
  );
  internal.add(
    { method: 'get', path: '/tenants/:tenant_id/courier-integrations', operationId: 'listCourierIntegrations', response: z.object({ data: z.array(CourierIntegrationView) }).strict(), summary: "A tenant's courier integrations (no secrets)", tag: 'courier integrations', scope: 'couriers:write', params: TenantParams },
    async ({ params }) => ({ body: { data: (await service.list(tenantScope(params.tenant_id))).map(toIntegrationView) } }),
  );
  internal.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/courier-integrations/:integration_id/rotate', operationId: 'rotateCourierIntegrationSecret', response: dataOf(IssuedCourierIntegrationView),
      summary: 'Rotate the signing secret; the old one stays valid for grace_seconds',
      tag: 'courier integrations',
      scope: 'couriers:write',
      params: IntegrationParams,
      body: z.object({ grace_seconds: z.number().int().min(0).max(30 * 86400).default(86400) }).strict(),
    },
    async ({ params, body, ctx }) => {
      const { integration, secret } = await service.rotate(tenantScope(params.tenant_id), params.integration_id, body.grace_seconds, auditActorOf(ctx));
      return { body: { data: { ...toIntegrationView(integration), secret } } };
    },
  );
}
