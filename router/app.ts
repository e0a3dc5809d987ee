import Koa from 'koa';
import Router from '@koa/router';
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
import { interactivePriority } from './middleware/interactive-priority.js';
import type { PriorityGate } from '../core/platform/priority-gate.js';
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
import { ApiDocuments } from './openapi/documents.js';
import { asyncApiDocument } from './openapi/asyncapi.js';
import { TOPICS } from '../localstack/resources.js';
import { registerHealthRoutes } from './health.js';
import { z } from 'zod';

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
  /** API writes mark themselves interactive at this gate (ADR 0016 amendment); none: they do not. */
  priority?: PriorityGate;
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
  const docs = new ApiDocuments();
  const { public: publicDocs, internal: internalDocs } = docs.registries;

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
  // /metrics on the API port needs an internal token (monitoring.metrics_port serves it without one).
  const metricsRouter = new Router();
  metricsRouter.use(internal);

  const publicGroup = new RouteGroup(publicRouter, publicDocs, { prefix: '/api/v1/sellers/:seller_id', security: 'sellerApiKey' });
  const internalSellerGroup = new RouteGroup(internalSellerRouter, internalDocs, {
    prefix: '/internal/api/v1/sellers/:seller_id',
    security: 'internalToken',
    operationIdPrefix: 'internal',
    headers: z.object({ 'x-tenant-id': z.string().min(1).meta({ description: 'The tenant the seller belongs to' }) }),
  });
  const openGroup = new RouteGroup(openRouter, publicDocs, { prefix: '', security: null });
  const groups: RouteGroups = {
    public: publicGroup,
    internal: new RouteGroup(internalRouter, internalDocs, { prefix: '/internal/api/v1', security: 'internalToken' }),
    internalSeller: internalSellerGroup,
    seller: new SellerRoutes([publicGroup, internalSellerGroup]),
    aggregator: new RouteGroup(aggregatorRouter, publicDocs, { prefix: '/aggregator/api/v1/sellers/:seller_id', security: 'sellerApiKey' }),
    open: openGroup,
  };
  register(groups);
  registerHealthRoutes(openGroup, deps.health);

  metricsRouter.get('/metrics', async (ctx) => {
    requireScope(ctx, 'metrics:read');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  // /openapi.json stays where existing clients fetch it, now the public document only; the internal
  // one needs a service token like the routes it describes.
  openRouter.get('/openapi.json', (ctx) => {
    ctx.body = docs.document('public');
  });
  openRouter.get('/internal/openapi.json', internal, (ctx) => {
    ctx.body = docs.document('internal');
  });
  // The event stream's contract is public like /openapi.json: it names events, not tenants' data.
  let asyncApi: Record<string, unknown> | null = null;
  openRouter.get('/asyncapi.json', (ctx) => {
    asyncApi ??= asyncApiDocument(deps.config.aws.sns.events_topic_arn || `${deps.config.aws.sqs.queue_prefix}${TOPICS.events.name}`);
    ctx.body = asyncApi;
  });

  app.use(requestContext(deps.logger, deps.metrics));
  app.use(errorRenderer(deps.telemetry));
  app.use(securityHeaders());
  app.use(portGate(deps.config.server));
  app.use(security.rateLimits.perIp());
  app.use(inputGuard());
  app.use(interactivePriority(deps.priority));
  for (const router of [metricsRouter, openRouter, internalRouter, internalSellerRouter, publicRouter, aggregatorRouter]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
