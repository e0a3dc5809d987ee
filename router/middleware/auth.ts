import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../../core/domain/errors.js';
import { sellerScope } from '../../core/domain/tenant-scope.js';
import type { TenantService } from '../../core/tenant/tenant.service.js';
import type { Caller } from '../route-group.js';

const SELLER_IN_PATH = /\/sellers\/([^/]+)/;

/**
 * Seller API key (`Authorization: Bearer <key>`). The key's seller must be the path's seller;
 * any other seller id, including another tenant's, is answered 404 exactly as a missing one.
 */
export function sellerAuth(tenants: TenantService): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!key) throw new AppError('unauthorized', 'missing bearer API key');
    const seller = await tenants.authenticate(key);
    if (!seller) throw new AppError('unauthorized', 'invalid API key');
    const pathSeller = decodeURIComponent(SELLER_IN_PATH.exec(ctx.path)?.[1] ?? '');
    if (pathSeller !== seller.id) throw AppError.notFound('seller', pathSeller);
    const caller: Caller = { actor: 'seller', scope: sellerScope(seller.tenant_id, seller.id), tenantId: seller.tenant_id };
    ctx.state.caller = caller;
    await next();
  };
}

/** Service-to-service token (`X-Internal-Token`), compared in constant time. */
export function internalAuth(token: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    const given = ctx.get('x-internal-token');
    if (!given || !timingSafeEqual(digest(given), expected)) throw new AppError('unauthorized', 'missing or invalid internal token');
    ctx.state.caller = { actor: 'internal' } satisfies Caller;
    await next();
  };
}

/**
 * Internal seller routes name the tenant in `X-Tenant-Id`; the seller must belong to it (404
 * otherwise). Runs after internalAuth.
 */
export function internalSellerScope(tenants: TenantService): Middleware {
  return async (ctx, next) => {
    const tenantId = ctx.get('x-tenant-id');
    if (!tenantId) throw AppError.validation([{ field: 'header.x-tenant-id', message: 'required on internal seller routes' }]);
    const sellerId = decodeURIComponent(SELLER_IN_PATH.exec(ctx.path)?.[1] ?? '');
    const scope = await tenants.sellerScopeFor({ tenantId }, sellerId);
    ctx.state.caller = { actor: 'internal', scope, tenantId } satisfies Caller;
    await next();
  };
}

/** Hashing both sides first gives equal-length buffers, so length leaks nothing either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
