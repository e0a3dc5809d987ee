import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../core/domain/errors.js';
import { runAs } from '../../core/platform/call-context.js';
import { sellerScope, tenantScope } from '../../core/domain/tenant-scope.js';
import type { ApiKeyService } from '../../core/tenant/api-key.service.js';
import { JwtVerifier } from '../../core/tenant/jwt-verifier.js';
import type { ServiceTokenService } from '../../core/tenant/service-token.service.js';
import type { TenantService } from '../../core/tenant/tenant.service.js';
import type { Caller } from '../route-group.js';
import { allowsTenant, type Principal } from '../scopes.js';

const SELLER_IN_PATH = /\/sellers\/([^/]+)/;
const TENANT_IN_PATH = /^\/internal\/api\/v1\/tenants\/([^/]+)/;

/** The path's seller id (the input guard already refused a path that does not decode). */
function pathSeller(ctx: Context): string {
  return decodeURIComponent(SELLER_IN_PATH.exec(ctx.path)?.[1] ?? '');
}

export interface SellerAuthDeps {
  tenants: TenantService;
  keys: ApiKeyService;
  jwt: JwtVerifier | null;
}

/**
 * Seller credential (`Authorization: Bearer <API key or platform JWT>`). The credential's seller
 * must be the path's seller; any other seller id, including another tenant's, is answered 404
 * exactly as a missing one. Scopes are checked per route (RouteGroup).
 */
export function sellerAuth(deps: SellerAuthDeps): Middleware {
  return async (ctx, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
    if (!token) throw new AppError('unauthorized', 'missing bearer API key or token');
    let principal: Principal;
    if (deps.jwt && JwtVerifier.looksLikeJwt(token)) {
      const grant = await deps.jwt.verify(token);
      principal = { kind: 'jwt', id: grant.subject, name: `jwt:${grant.subject}`, tenants: [grant.tenant_id], sellerId: grant.seller_id, scopes: new Set(grant.scopes) };
      // The identity provider vouches for the claim; the seller must still exist in that tenant.
      if (grant.seller_id === pathSeller(ctx)) await deps.tenants.requireSeller(tenantScope(grant.tenant_id), grant.seller_id);
    } else {
      const grant = await deps.keys.authenticate(token, (scope, hash) => deps.tenants.legacyGrant(scope, hash));
      if (!grant) throw new AppError('unauthorized', 'invalid API key');
      principal = { kind: 'seller_key', id: grant.id, name: `key:${grant.id}`, tenants: [grant.tenant_id], sellerId: grant.seller_id, scopes: new Set(grant.scopes) };
    }
    const seller = pathSeller(ctx);
    if (seller !== principal.sellerId) throw AppError.notFound('seller', seller);
    const tenantId = (principal.tenants as string[])[0] as string;
    ctx.state.principal = principal;
    ctx.state.caller = { actor: 'seller', scope: sellerScope(tenantId, seller), tenantId } satisfies Caller;
    await next();
  };
}

export interface InternalAuthDeps {
  /** The bootstrap platform token (OMS_INTERNAL_TOKEN): all tenants, all scopes. */
  platformToken: string;
  tokens: ServiceTokenService;
}

/**
 * Service credential (`X-Internal-Token`): the platform token (compared in constant time) or a
 * service's own token. A tenant named in the path that the service may not act for is 404,
 * exactly as a missing tenant; creating tenants and service tokens needs an all-tenant identity.
 */
export function internalAuth(deps: InternalAuthDeps): Middleware {
  const expected = digest(deps.platformToken);
  return async (ctx, next) => {
    const given = ctx.get('x-internal-token');
    if (!given) throw new AppError('unauthorized', 'missing or invalid internal token');
    let principal: Principal;
    if (timingSafeEqual(digest(given), expected)) {
      principal = { kind: 'service', id: 'platform', name: 'service:platform', tenants: '*', scopes: '*' };
    } else {
      const grant = await deps.tokens.authenticate(given);
      if (!grant) throw new AppError('unauthorized', 'missing or invalid internal token');
      principal = { kind: 'service', id: grant.id, name: `service:${grant.name}`, tenants: grant.tenants ?? '*', scopes: new Set(grant.scopes) };
    }
    const tenant = TENANT_IN_PATH.exec(ctx.path)?.[1];
    if (tenant !== undefined && !allowsTenant(principal, decodeURIComponent(tenant))) throw AppError.notFound('tenant', decodeURIComponent(tenant));
    if (principal.tenants !== '*' && tenant === undefined && !ctx.path.startsWith('/internal/api/v1/sellers/')) {
      throw new AppError('forbidden', 'this service may act only for its own tenants');
    }
    ctx.state.principal = principal;
    ctx.state.caller = { actor: 'internal' } satisfies Caller;
    // Timeline entries written by this call name the service (TimelineEntry.actor_name).
    await runAs(principal.name, next);
  };
}

/**
 * Internal seller routes name the tenant in `X-Tenant-Id`; the service must be allowed it and the
 * seller must belong to it (404 otherwise, as for a missing one). Runs after internalAuth.
 */
export function internalSellerScope(tenants: TenantService): Middleware {
  return async (ctx, next) => {
    const tenantId = ctx.get('x-tenant-id');
    if (!tenantId) throw AppError.validation([{ field: 'header.x-tenant-id', message: 'required on internal seller routes' }]);
    const sellerId = pathSeller(ctx);
    if (!allowsTenant(ctx.state.principal as Principal, tenantId)) throw AppError.notFound('seller', sellerId);
    const scope = await tenants.sellerScopeFor({ tenantId }, sellerId);
    ctx.state.caller = { actor: 'internal', scope, tenantId } satisfies Caller;
    await next();
  };
}

/** Hashing both sides first gives equal-length buffers, so length leaks nothing either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
