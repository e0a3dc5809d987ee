import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * Security headers on every response (helmet): nosniff, frame-ancestors 'none', no referrer,
 * a CSP that allows nothing (the API serves no pages), HSTS only when the request came over TLS
 * (directly or as told by the proxy: the app trusts X-Forwarded-Proto), and `no-store` on API
 * responses so no shared cache keeps a tenant's data.
 */
export function securityHeaders(): Middleware {
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await headers(ctx, async () => {
      if (ctx.secure) await hsts(ctx, next);
      else await next();
    });
  };
}
