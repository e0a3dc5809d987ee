import { z } from 'zod';
import type { RouteGroup } from '../../router/route-group.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { AuditLog } from './audit-log.js';
import { AuditEntryView } from '../tenant/security.responses.js';

/** Internal route: a tenant's audit log, newest first (`before` pages back). */
export function registerAuditRoutes(internal: RouteGroup, audit: AuditLog): void {
  internal.add(
    {
      method: 'get',
      path: '/tenants/:tenant_id/audit-log', operationId: 'listAuditLog', response: z.object({ data: z.array(AuditEntryView) }).strict(),
      summary: 'Security-relevant actions (credentials, settings, hubs, manual stock changes), newest first',
      tag: 'audit',
      scope: 'audit:read',
      params: z.object({ tenant_id: z.string().min(1).max(100) }),
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.iso.datetime({ offset: true }).optional(),
        action: z.string().min(1).max(100).optional(),
      }),
    },
    async ({ params, query }) => {
      const entries = await audit.list(tenantScope(params.tenant_id), { limit: query.limit, ...(query.before ? { before: new Date(query.before) } : {}), ...(query.action ? { action: query.action } : {}) });
      return { body: { data: entries.map((e) => ({ ...e, at: e.at.toISOString() })) } };
    },
  );
}
