import type { Middleware } from 'koa';
import type { AuditLog } from '../../core/audit/audit-log.js';
import { tenantScope } from '../../core/domain/tenant-scope.js';
import { auditActorOf } from '../scopes.js';

/** Successful writes that change how a tenant runs, recorded in the audit log with their actor. */
const AUDITED: { method: string; path: RegExp; action: string }[] = [
  { method: 'PUT', path: /^\/internal\/api\/v1\/tenants\/[^/]+\/settings$/, action: 'settings.updated' },
  { method: 'POST', path: /^\/internal\/api\/v1\/tenants\/[^/]+\/hubs$/, action: 'hub.created' },
  { method: 'PUT', path: /\/sellers\/[^/]+\/inventory$/, action: 'stock.set' },
  { method: 'POST', path: /\/sellers\/[^/]+\/stock-transfers$/, action: 'stock.transferred' },
];

/**
 * Records audited actions after they succeeded, from the route alone, so the domains that own
 * them need not know about the audit log. A failure to record is logged, not turned into a
 * failed request: the change itself is already made.
 */
export function auditTrail(audit: AuditLog): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status >= 300) return;
    const rule = AUDITED.find((r) => r.method === ctx.method && r.path.test(ctx.path));
    if (!rule) return;
    const tenantId = /^\/internal\/api\/v1\/tenants\/([^/]+)/.exec(ctx.path)?.[1] ?? (ctx.state.caller as { tenantId?: string } | undefined)?.tenantId;
    if (!tenantId) return;
    const body = ctx.request.body && typeof ctx.request.body === 'object' ? (ctx.request.body as Record<string, unknown>) : {};
    try {
      await audit.record(tenantScope(decodeURIComponent(tenantId)), auditActorOf(ctx), rule.action, ctx.path, { request: body });
    } catch (err) {
      ctx.state.logger?.error({ err, action: rule.action }, 'audit record failed');
    }
  };
}
