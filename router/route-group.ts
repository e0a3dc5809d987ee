import type Router from '@koa/router';
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Actor } from '../core/domain/order.js';
import type { SellerScope } from '../core/domain/tenant-scope.js';
import { parseInput } from '../core/domain/validation.js';
import { defaultScope, requireScope, type Scope } from './scopes.js';
import { ErrorBody } from './openapi/schemas.js';

/** Who is calling, set by the auth middleware of the route's router. */
export interface Caller {
  actor: Actor;
  /** Present on seller-scoped routes (public, aggregator, internal seller routes). */
  scope?: SellerScope;
  tenantId?: string;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** Koa style, relative to the group's prefix: '/orders/:order_id'. */
  path: string;
  /** Stable name of the operation in the OpenAPI documents and the generated clients: `createOrder`. */
  operationId: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** An example request body for the documents (linted against `body`). */
  example?: z.input<B>;
  /** Request headers the handler reads itself (documented, not validated here: the handler's message is more specific). */
  headers?: z.ZodObject;
  /** A multipart/form-data body read by a `before` middleware (documented only). */
  form?: z.ZodObject;
  /** The success body: `dataOf(OrderView)`. */
  response: z.ZodType;
  /** Documented success status and description. */
  status?: number;
  description?: string;
  /** Other success statuses answered with the same body (status -> description). */
  alsoAnswers?: Record<number, string>;
  /** Extra documented error responses (status -> description), beside those every route of the group can give. */
  errors?: Record<number, string>;
  /** Extra middleware (e.g. file upload) run before validation. */
  before?: Middleware[];
  /** The scope a credential needs (403 insufficient_scope without it); default: scopes.ts defaultScope. */
  scope?: Scope;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  ctx: Context;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteGroupOptions {
  prefix: string;
  /** Security scheme of the group's credential; null: the route checks its caller itself (or needs none). */
  security: string | null;
  /** Prepended to operation ids, for a group that repeats another group's routes (`internal` + `CreateOrder`). */
  operationIdPrefix?: string;
  /** Headers every route of the group requires (documented; checked by the group's middleware with a 400). */
  headers?: z.ZodObject;
}

/**
 * A group of routes under one prefix and one credential. `add` registers the Koa route and its
 * OpenAPI description from the same zod schemas, and validates params, query and body before the
 * handler runs, so a controller only shapes input and output around one service call.
 */
export class RouteGroup {
  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry,
    private readonly options: RouteGroupOptions,
  ) {}

  add<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>,
  ): void {
    const scope = spec.scope ?? defaultScope(spec, this.options.prefix);
    this.document(spec, scope);

    // Before any upload middleware: a credential without the scope gets nothing read.
    const checkScope: Middleware = async (ctx, next) => {
      requireScope(ctx, scope);
      await next();
    };
    const handle: Middleware = async (ctx) => {
      const params = (spec.params ? parseInput(spec.params, ctx.params, 'path') : ctx.params) as z.output<P>;
      const query = (spec.query ? parseInput(spec.query, ctx.query, 'query') : ctx.query) as z.output<Q>;
      const body = (spec.body ? parseInput(spec.body, ctx.request.body ?? {}) : ctx.request.body) as z.output<B>;
      const result = await handler({ params, query, body, caller: ctx.state.caller as Caller, ctx });
      ctx.status = result.status ?? spec.status ?? 200;
      ctx.body = result.body;
      for (const [k, v] of Object.entries(result.headers ?? {})) ctx.set(k, v);
    };
    // The router carries the prefix itself; the full path is for the OpenAPI document.
    this.router[spec.method](spec.path, checkScope, ...(spec.before ?? []), handle);
  }

  private document<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>, scope: Scope | null): void {
    const fullPath = `${this.options.prefix}${spec.path}`;
    const pathNames = [...fullPath.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
    const headers = mergeObjects(this.options.headers, spec.headers);
    const { operationIdPrefix } = this.options;
    const success = { description: spec.description ?? 'success', content: { 'application/json': { schema: spec.response } } };
    this.registry.registerPath({
      method: spec.method,
      path: fullPath.replace(/:(\w+)/g, '{$1}'),
      operationId: operationIdPrefix ? `${operationIdPrefix}${spec.operationId[0]!.toUpperCase()}${spec.operationId.slice(1)}` : spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security: this.options.security ? [{ [this.options.security]: scope ? [scope] : [] }] : [],
      request: {
        params: pathParams(pathNames, spec.params),
        ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
        ...(headers ? { headers } : {}),
        ...(spec.body
          ? { body: { required: !spec.body.safeParse(undefined).success, content: { 'application/json': { schema: spec.body, ...(spec.example === undefined ? {} : { example: spec.example }) } } } }
          : {}),
        ...(spec.form ? { body: { required: true, content: { 'multipart/form-data': { schema: spec.form } } } } : {}),
      },
      responses: {
        [spec.status ?? 200]: success,
        ...errorResponses({
          validates: Boolean(spec.params || spec.query || spec.body || spec.form || headers),
          // Any write reads a JSON body when one is sent (413/415 possible), declared or not.
          hasBody: Boolean(spec.body || spec.form) || spec.method !== 'get',
          authenticated: this.options.security !== null,
          hasPathParams: pathNames.length > 0,
          extra: spec.errors ?? {},
        }),
        // Last: a success answer with an error's status (readiness 503) is documented as itself.
        ...Object.fromEntries(Object.entries(spec.alsoAnswers ?? {}).map(([s, d]) => [s, { ...success, description: d }])),
      },
    });
  }
}

/** Every name in the path is declared, whether or not the route validates it (the group prefix's `seller_id`). */
function pathParams(names: string[], declared: z.ZodType | undefined): z.ZodObject {
  const shape = (declared as z.ZodObject | undefined)?.shape ?? {};
  return z.object(Object.fromEntries(names.map((n) => [n, shape[n] ?? z.string().min(1)])));
}

function mergeObjects(a: z.ZodObject | undefined, b: z.ZodObject | undefined): z.ZodObject | undefined {
  if (!a || !b) return a ?? b;
  return a.extend(b.shape);
}

/** The error answers a route can give, derived from what it reads and how its group authenticates. */
function errorResponses(route: { validates: boolean; hasBody: boolean; authenticated: boolean; hasPathParams: boolean; extra: Record<number, string> }): Record<string, ResponseConfig> {
  const statuses: Record<number, string> = {};
  if (route.validates) statuses[400] = 'validation_failed (error.details names every field that failed) or bad_request (malformed JSON, wrong content type)';
  if (route.authenticated) {
    statuses[401] = 'unauthorized: missing or invalid credentials';
    statuses[403] = 'insufficient_scope: the credential lacks the scope this operation names in its security requirement';
    statuses[429] = 'rate_limited: over the per-key, per-tenant or per-IP budget; see Retry-After and the RateLimit headers';
  }
  if (route.hasPathParams) statuses[404] = "not_found / order_not_found: no such resource; another tenant's or seller's resource is answered exactly the same";
  if (route.hasBody) {
    statuses[413] = 'payload_too_large';
    statuses[415] = 'unsupported_media_type: a content type other than JSON, or an unknown Content-Encoding';
  }
  statuses[500] = 'internal: an unexpected failure (the message is hidden; quote request_id)';
  statuses[503] = 'dependency_unavailable: a store or queue did not answer; retry later (with the same Idempotency-Key where the route takes one)';
  Object.assign(statuses, route.extra);
  return Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, content: { 'application/json': { schema: ErrorBody } } }]));
}

/** Common path/query pieces. */
export const Ids = {
  sellerParams: z.object({ seller_id: z.string().min(1) }),
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(200).default(20),
};
