import type { Context } from 'koa';
import type { AuditActor } from '../core/audit/audit-log.js';
import { AppError } from '../core/domain/errors.js';
import type { Scope } from '../core/tenant/scopes.js';

export { ALL_SCOPES, INTERNAL_SCOPES, SELLER_SCOPES, type Scope } from '../core/tenant/scopes.js';


/** Who a request is from, set by the credential middleware (router/middleware/auth.ts). */
export interface Principal {
  kind: 'seller_key' | 'jwt' | 'service';
  /** Key id, token id or JWT subject. */
  id: string;
  /** Shown as the actor on timelines and in the audit log: 'service:billing', 'key:key_…'. */
  name: string;
  /** Tenants it may act for; '*' for all (the platform identity). */
  tenants: '*' | readonly string[];
  sellerId?: string;
  scopes: '*' | ReadonlySet<string>;
}

export function principalOf(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

export function hasScope(principal: Principal | undefined, scope: string): boolean {
  if (!principal) return false;
  return principal.scopes === '*' || principal.scopes.has(scope);
}

export function allowsTenant(principal: Principal | undefined, tenantId: string): boolean {
  if (!principal) return false;
  return principal.tenants === '*' || principal.tenants.includes(tenantId);
}

/** Called by RouteGroup before a handler: a credential without the route's scope is 403. */
export function requireScope(ctx: Context, scope: string | null): void {
  if (scope === null) return;
  const principal = principalOf(ctx);
  if (!principal) return; // open routes authenticate in their own middleware
  if (!hasScope(principal, scope)) throw new AppError('insufficient_scope', `this credential lacks the scope ${scope}`, { required_scope: scope });
}

/**
 * The scope of a route that does not name one: from its tag and method (GET reads, anything else
 * writes), so every existing route has one without each controller restating it. A route names
 * its own `scope` where this rule does not fit.
 */
export function defaultScope(route: { method: string; tag: string; path: string }, prefix: string): Scope | null {
  if (prefix === '') return null;
  const read = route.method === 'get';
  if (route.tag === 'bulk jobs' || /\/bulk(\/|$)/.test(route.path)) return 'bulk';
  if (prefix.startsWith('/aggregator')) return 'dashboard:read';
  const domain = TAG_DOMAIN[route.tag];
  if (!domain) return read ? 'tenants:read' : 'tenants:write';
  if (domain === 'invoices' || (domain === 'hubs' && read)) return `${domain}:read` as Scope;
  return `${domain}:${read ? 'read' : 'write'}` as Scope;
}

const TAG_DOMAIN: Record<string, string> = {
  orders: 'orders',
  'hub routing': 'orders',
  payments: 'orders',
  inventory: 'inventory',
  shipments: 'shipments',
  returns: 'returns',
  invoices: 'invoices',
  hubs: 'hubs',
  tenants: 'tenants',
  rules: 'rules',
};

/** The audit fields of a request: its principal's name and request id. */
export function auditActorOf(ctx: Context): AuditActor {
  return { actor: principalOf(ctx)?.name ?? 'anonymous', request_id: (ctx.state.requestId as string | undefined) ?? null };
}
