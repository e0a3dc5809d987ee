import Koa from 'koa';
import Router from '@koa/router';
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import type { Config } from '../configs/config.js';
import type { TenantService } from '../core/tenant/tenant.service.js';
import type { Logger } from '../core/platform/logger.js';
import type { Metrics } from '../core/platform/metrics.js';
import type { Telemetry } from '../core/platform/telemetry.js';
import { errorRenderer } from './middleware/errors.js';
import { requestContext } from './middleware/request-context.js';
import { internalAuth, internalSellerScope, sellerAuth } from './middleware/auth.js';
import { auditTrail } from './middleware/audit-trail.js';
import { inputGuard } from './middleware/input-guard.js';
import { jsonBody } from './middleware/json-body.js';
import { portGate } from './middleware/port-gate.js';
import type { RateLimits } from './middleware/rate-limit.js';
import { securityHeaders } from './middleware/security-headers.js';
import { requireScope } from './scopes.js';
import type { AuditLog } from '../core/audit/audit-log.js';
import type { ApiKeyService } from '../core/tenant/api-key.service.js';
import type { JwtVerifier } from '../core/tenant/jwt-verifier.js';
import type { ServiceTokenService } from '../core/tenant/service-token.service.js';
import { RouteGroup, type RouteInput, type RouteResult, type RouteSpec } from './route-group.js';
import type { z } from 'zod';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/** Every route group a domain registers on. */
export interface RouteGroups {
  /** /api/v1/sellers/:seller_id — seller API key. */
  public: RouteGroup;
  /** /internal/api/v1 — service token; tenant in the path. */
  internal: RouteGroup;
  /** /internal/api/v1/sellers/:seller_id — service token + X-Tenant-Id. */
  internalSeller: RouteGroup;
  /** Both seller-scoped groups at once: API.md's "the same under /internal/api/v1/sellers/...". */
  seller: SellerRoutes;
  /** /aggregator/api/v1/sellers/:seller_id — seller API key. */
  aggregator: RouteGroup;
  /** No credential middleware: the handler authenticates (courier webhook HMAC). */
  open: RouteGroup;
}

export class SellerRoutes {
  constructor(private readonly groups: RouteGroup[]) {}

  add<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>,
  ): void {
    for (const group of this.groups) group.add(spec, handler);
  }
}

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  telemetry: Telemetry;
  tenants: TenantService;
  health: HealthCheck[];
  security: SecurityDeps;
}

/** Credentials, rate limits and the audit log (issue 13). */
export interface SecurityDeps {
  keys: ApiKeyService;
  tokens: ServiceTokenService;
  jwt: JwtVerifier | null;
  rateLimits: RateLimits;
  audit: AuditLog;
}

/**
 * The Koa app: request context and error rendering at the top, then the routers. Domains add
 * their routes through `register(groups)`; the OpenAPI document is generated from the same specs.
 */
export function createApp(deps: AppDeps, register: (groups: RouteGroups) => void): Koa {
  const app = new Koa({ proxy: true });
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'sellerApiKey', { type: 'http', scheme: 'bearer' });
  registry.registerComponent('securitySchemes', 'internalToken', { type: 'apiKey', in: 'header', name: 'X-Internal-Token' });
  registry.registerComponent('securitySchemes', 'courierSignature', { type: 'apiKey', in: 'header', name: 'webhook-signature' });

  // Credentials first, then the caller's rate limit, then the body: nothing is read for a stranger.
  const { security } = deps;
  const body = jsonBody({ limit: deps.config.server.body_limit, maxDepth: deps.config.server.json_max_depth });
  const afterAuth = [security.rateLimits.perCredential(), body, security.rateLimits.bulkItems(), auditTrail(security.audit)];
  const seller = sellerAuth({ tenants: deps.tenants, keys: security.keys, jwt: security.jwt });
  const internal = internalAuth({ platformToken: deps.config.server.internal_token, tokens: security.tokens });
  const publicRouter = new Router({ prefix: '/api/v1/sellers/:seller_id' });
  publicRouter.use(seller, ...afterAuth);
  const aggregatorRouter = new Router({ prefix: '/aggregator/api/v1/sellers/:seller_id' });
  aggregatorRouter.use(seller, ...afterAuth);
  const internalSellerRouter = new Router({ prefix: '/internal/api/v1/sellers/:seller_id' });
  internalSellerRouter.use(internal, internalSellerScope(deps.tenants), ...afterAuth);
  const internalRouter = new Router({ prefix: '/internal/api/v1' });
  internalRouter.use(internal, ...afterAuth);
  // The courier webhook verifies its signature over the raw text before parsing it (courier-webhook.auth.ts).
  const openRouter = new Router();
  openRouter.use(jsonBody({ limit: '64kb', maxDepth: deps.config.server.json_max_depth, parse: false, form: true }));
  // /metrics: on its own port when metrics_port is set (the port gate keeps it there), else behind an internal token.
  const metricsRouter = new Router();
  if (deps.config.server.metrics_port === 0) metricsRouter.use(internal);

  const publicGroup = new RouteGroup(publicRouter, registry, { prefix: '/api/v1/sellers/:seller_id', security: 'sellerApiKey' });
  const internalSellerGroup = new RouteGroup(internalSellerRouter, registry, { prefix: '/internal/api/v1/sellers/:seller_id', security: 'internalToken' });
  const groups: RouteGroups = {
    public: publicGroup,
    internal: new RouteGroup(internalRouter, registry, { prefix: '/internal/api/v1', security: 'internalToken' }),
    internalSeller: internalSellerGroup,
    seller: new SellerRoutes([publicGroup, internalSellerGroup]),
    aggregator: new RouteGroup(aggregatorRouter, registry, { prefix: '/aggregator/api/v1/sellers/:seller_id', security: 'sellerApiKey' }),
    open: new RouteGroup(openRouter, registry, { prefix: '', security: null }),
  };
  register(groups);

  openRouter.get('/health/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  openRouter.get('/health/ready', async (ctx) => {
    const results = await Promise.all(
      deps.health.map(async (h) => {
        try {
          await withTimeout(h.check(), 3000);
          return [h.name, 'ok'] as const;
        } catch (err) {
          return [h.name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, s]) => s === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
  });
  metricsRouter.get('/metrics', async (ctx) => {
    if (deps.config.server.metrics_port === 0) requireScope(ctx, 'metrics:read');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  let document: unknown;
  openRouter.get('/openapi.json', (ctx) => {
    document ??= new OpenApiGeneratorV3(registry.definitions).generateDocument({
      openapi: '3.0.3',
      info: { title: 'OMS API', version: '1.0.0', description: 'Multi-tenant order management system. Errors: {"error": {code, message, details, request_id}}.' },
      servers: [{ url: '/' }],
    });
    ctx.body = document;
  });

  app.use(requestContext(deps.logger, deps.metrics));
  app.use(errorRenderer(deps.telemetry));
  app.use(securityHeaders());
  app.use(portGate(deps.config.server));
  app.use(security.rateLimits.perIp());
  app.use(inputGuard());
  for (const router of [metricsRouter, openRouter, internalRouter, internalSellerRouter, publicRouter, aggregatorRouter]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
