import { z } from 'zod';
import { dataOf } from '../../router/openapi/schemas.js';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { TenantService } from '../tenant/tenant.service.js';
import { NOTIFICATION_CHANNELS, type NotificationChannelName } from './notification.adapters.js';
import type { NotificationTemplateService } from './notification-template.service.js';
import { NotificationTemplateView } from './notification.responses.js';
import { CUSTOMER_STAGES } from './notification.templates.js';

const TenantParams = z.object({ tenant_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'not a tenant id') });
const TemplateParams = TenantParams.extend({ stage: z.enum(CUSTOMER_STAGES), channel: z.enum(NOTIFICATION_CHANNELS as [NotificationChannelName, ...NotificationChannelName[]]) });
export const TemplateBody = z
  .object({
    subject: z.string().trim().min(1).max(300).nullable().optional().meta({ description: 'Omitted: the default subject; must be null or omitted for SMS' }),
    body: z.string().trim().min(1).max(20_000),
  })
  .strict();

/** Internal routes: per-tenant notification templates. */
export function registerNotificationRoutes(internal: RouteGroup, templates: NotificationTemplateService, tenants: TenantService): void {
  internal.add(
    { method: 'get', path: '/tenants/:tenant_id/notification-templates', operationId: 'listNotificationTemplates', summary: 'The wording of every customer notification (stage x channel), the tenant\'s or the default', tag: 'notifications', params: TenantParams, response: z.object({ data: z.array(NotificationTemplateView) }).strict() },
    async ({ params }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireTenant(scope);
      return { body: { data: await templates.list(scope) } };
    },
  );
  internal.add(
    {
      method: 'put',
      path: '/tenants/:tenant_id/notification-templates/:stage/:channel',
      operationId: 'putNotificationTemplate',
      summary: 'Override the subject and body of one stage on one channel (Handlebars; checked before it is stored)',
      tag: 'notifications',
      params: TemplateParams,
      body: TemplateBody,
      response: dataOf(NotificationTemplateView),
    },
    async ({ params, body }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireTenant(scope);
      return { body: { data: await templates.put(scope, params.stage, params.channel, body) } };
    },
  );
  internal.add(
    { method: 'delete', path: '/tenants/:tenant_id/notification-templates/:stage/:channel', operationId: 'deleteNotificationTemplate', summary: 'Back to the default wording for one stage on one channel', tag: 'notifications', params: TemplateParams, errors: { 404: 'not_found: the tenant has no template of its own for this stage and channel' }, response: dataOf(NotificationTemplateView) },
    async ({ params }) => {
      const scope = tenantScope(params.tenant_id);
      await tenants.requireTenant(scope);
      return { body: { data: await templates.reset(scope, params.stage, params.channel) } };
    },
  );
}
